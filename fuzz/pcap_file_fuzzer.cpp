// Fuzzes the file readers: pcap and pcapng bytes in (libpcap behind PcapFileSource), frames out,
// into a small engine. The input is written to an anonymous memory file and opened by its
// /proc/self/fd path, so the source is exercised exactly as `sipmon replay` uses it. Every frame
// handed on must be accounted for by the engine, whatever the timestamps, lengths and blocks say.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "decoder_records.h"
#include "sources/pcap_file_source.h"

namespace {

struct CountingEngine final : sipmon::FrameSink {
  sipmon::Engine engine{sipmon::fuzz::decoder_fuzz_config()};
  std::uint64_t frames = 0;
  void on_frame(const sipmon::Frame& frame) override {
    if (frame.data.size() > 0 && frame.data.data() == nullptr) std::abort();
    ++frames;
    engine.on_frame(frame);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = memfd_create("pcap_file_fuzzer", MFD_CLOEXEC);
  if (fd < 0) return 0;
  std::size_t written = 0;
  while (written < size) {
    const ssize_t n = write(fd, data + written, size - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  {
    auto source = sipmon::PcapFileSource::open({"/proc/self/fd/" + std::to_string(fd)});
    if (source) {
      CountingEngine sink;
      source->run(sink);
      sink.engine.finish();
      const sipmon::Report report = sink.engine.report();
      if (report.capture.packets != sink.frames) std::abort();
      if (report.capture.first_ts_ns && report.capture.last_ts_ns &&
          *report.capture.first_ts_ns > *report.capture.last_ts_ns) {
        std::abort();
      }
    }
  }
  close(fd);
  return 0;
}
