#include "outputs/capture_file_writer.h"

#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "formats/capture_file_format.h"
#include "outputs/pcapng_writer.h"

namespace sipmon {
namespace {

// pcap_open_dead takes a DLT_* value; LINKTYPE_RAW (101) is DLT_RAW, whose number varies.
int to_dlt(std::uint32_t link_type) {
  return link_type == static_cast<std::uint32_t>(LinkType::raw) ? DLT_RAW : static_cast<int>(link_type);
}

}  // namespace

CaptureFormat capture_format_for(const std::vector<CaptureInput>& inputs) {
  CaptureFormat format;
  if (inputs.empty()) return format;
  format.link_type = inputs.front().link_type;
  format.nanosecond = false;
  for (const CaptureInput& input : inputs) {
    format.pcapng |= input.pcapng || input.link_type != format.link_type;
    format.nanosecond |= input.nanosecond || input.pcapng;
  }
  return format;
}

struct CaptureFileWriter::Impl {
  std::string path;
  std::string temporary;
  CaptureFormat format;
  std::FILE* file = nullptr;  // owned by `dumper` once that is open
  pcap_t* dead = nullptr;
  pcap_dumper_t* dumper = nullptr;
  std::unique_ptr<PcapngWriter> pcapng;
  int error = 0;  // errno of the first failed write
  bool committed = false;

  ~Impl() {
    if (dumper)
      pcap_dump_close(dumper);  // also closes `file`
    else if (file)
      std::fclose(file);
    if (dead) pcap_close(dead);
    if (!committed && !temporary.empty()) ::unlink(temporary.c_str());
  }
};

CaptureFileWriter::CaptureFileWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CaptureFileWriter::~CaptureFileWriter() = default;

Expected<std::unique_ptr<CaptureFileWriter>> CaptureFileWriter::create(const std::string& path, CaptureFormat format) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->format = format;
  // Beside the target, so that rename() stays within one file system.
  std::string temporary = path + ".tmp.XXXXXX";
  const int fd = mkstemp(temporary.data());
  if (fd < 0) return make_error(ErrorKind::io, path + ": cannot write: " + std::strerror(errno));
  impl->temporary = temporary;
  ::fchmod(fd, 0644);  // mkstemp creates 0600; a capture is meant to be passed on
  impl->file = ::fdopen(fd, "wb");
  if (!impl->file) {
    ::close(fd);
    return make_error(ErrorKind::io, path + ": cannot write: " + std::strerror(errno));
  }
  if (format.pcapng) {
    impl->pcapng = std::make_unique<PcapngWriter>(impl->file, format.nanosecond);
    if (!impl->pcapng->write_section_header()) impl->error = errno;
  } else {
    impl->dead = pcap_open_dead_with_tstamp_precision(
        to_dlt(format.link_type), capture_format::kMaxSnapLength,
        format.nanosecond ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
    if (impl->dead) impl->dumper = pcap_dump_fopen(impl->dead, impl->file);
    if (!impl->dumper) {
      return make_error(ErrorKind::io,
                        path + ": cannot write a pcap file: " + (impl->dead ? pcap_geterr(impl->dead) : "libpcap"));
    }
  }
  return std::unique_ptr<CaptureFileWriter>(new CaptureFileWriter(std::move(impl)));
}

void CaptureFileWriter::on_frame(const Frame& frame) {
  Impl& impl = *impl_;
  if (impl.error != 0) return;
  if (impl.pcapng) {
    if (!impl.pcapng->write(frame)) impl.error = errno ? errno : EIO;
    return;
  }
  pcap_pkthdr header{};
  header.ts.tv_sec = static_cast<time_t>(frame.ts_ns / 1'000'000'000);
  const std::int64_t fraction = frame.ts_ns % 1'000'000'000;
  header.ts.tv_usec = static_cast<suseconds_t>(impl.format.nanosecond ? fraction : fraction / 1000);
  header.caplen = static_cast<bpf_u_int32>(frame.data.size());
  header.len = std::max<bpf_u_int32>(frame.wire_len, header.caplen);
  pcap_dump(reinterpret_cast<u_char*>(impl.dumper), &header, frame.data.data());
  if (std::ferror(impl.file)) impl.error = errno ? errno : EIO;  // pcap_dump reports nothing itself
}

Expected<void> CaptureFileWriter::commit() {
  Impl& impl = *impl_;
  int error = impl.error;
  if (error == 0 && std::fflush(impl.file) != 0) error = errno;
  if (impl.dumper) {
    pcap_dump_close(impl.dumper);
    impl.dumper = nullptr;
  } else if (std::fclose(impl.file) != 0 && error == 0) {
    error = errno;
  }
  impl.file = nullptr;
  if (error == 0 && std::rename(impl.temporary.c_str(), impl.path.c_str()) != 0) error = errno;
  if (error != 0) return make_error(ErrorKind::io, impl.path + ": cannot write: " + std::strerror(error));
  impl.committed = true;
  return {};
}

}  // namespace sipmon
