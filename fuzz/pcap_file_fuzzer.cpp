// Fuzzes the file readers: pcap and pcapng bytes in (libpcap behind PcapFileSource), frames out,
// into a small engine. The input is written to an anonymous memory file and opened by its
// /proc/self/fd path, so the source is exercised exactly as `sipmon replay` uses it. Every frame
// handed on must be accounted for by the engine, whatever the timestamps, lengths and blocks say.
// The file is read twice, by the block reader (capture_blocks.h, the default) and by libpcap
// alone: wherever libpcap reads the whole file without damage, both must hand on the same frames.
// Then the same bytes arrive through a pipe, which the block reader reads as a stream (it cannot
// rewind it to hand libpcap a record it does not handle: the bytes it kept go first): the same
// frames again wherever libpcap read the file without damage, and no crash anywhere else.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

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

// Every frame's fields and bytes, in order.
struct Collect final : sipmon::FrameSink {
  std::vector<std::int64_t> fields;
  std::vector<std::uint8_t> bytes;
  void on_frame(const sipmon::Frame& frame) override {
    fields.insert(fields.end(),
                  {frame.ts_ns, frame.link_type, frame.wire_len, static_cast<std::int64_t>(frame.data.size())});
    bytes.insert(bytes.end(), frame.data.begin(), frame.data.end());
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
  {
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    auto slow = sipmon::PcapFileSource::open({path}, sipmon::FileReader::libpcap);
    if (slow) {
      Collect by_libpcap;
      slow->run(by_libpcap);
      if (slow->read_errors().empty()) {
        auto fast = sipmon::PcapFileSource::open({path});
        if (!fast) std::abort();
        Collect by_mapping;
        fast->run(by_mapping);
        if (!fast->read_errors().empty() || by_mapping.fields != by_libpcap.fields ||
            by_mapping.bytes != by_libpcap.bytes) {
          std::abort();
        }
      }
      // The pipe holds the whole input (written before it is read: no writer thread), up to 1 MiB.
      int ends[2];
      if (size <= (1u << 20) && pipe2(ends, O_CLOEXEC) == 0) {
        const bool fits = fcntl(ends[1], F_SETPIPE_SZ, 1 << 20) >= static_cast<int>(size);
        std::size_t queued = 0;
        while (fits && queued < size) {
          const ssize_t n = write(ends[1], data + queued, size - queued);
          if (n <= 0) break;
          queued += static_cast<std::size_t>(n);
        }
        close(ends[1]);
        if (queued == size) {
          auto piped = sipmon::PcapFileSource::open({"/proc/self/fd/" + std::to_string(ends[0])});
          if (piped) {
            Collect by_stream;
            piped->run(by_stream);
            // One documented limit: a hand-over after more interfaces than the parser keeps
            // (CaptureBlockParser::kMaxHeaderBytes) is reported instead.
            const bool kept_too_much =
                !piped->read_errors().empty() &&
                piped->read_errors().front().message.find("too large to hand the stream") != std::string::npos;
            if (slow->read_errors().empty() && !kept_too_much &&
                (!piped->read_errors().empty() || by_stream.fields != by_libpcap.fields ||
                 by_stream.bytes != by_libpcap.bytes)) {
              std::abort();
            }
          } else if (slow->read_errors().empty()) {
            std::abort();  // libpcap opened and read these bytes whole
          }
        }
        close(ends[0]);
      }
    }
  }
  close(fd);
  return 0;
}
