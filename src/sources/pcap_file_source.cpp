#include "sources/pcap_file_source.h"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "analysis/frame.h"

namespace sipmon {
namespace {

struct PcapCloser {
  void operator()(pcap_t* handle) const { pcap_close(handle); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

// libpcap reports DLT_* values, which differ from the file's LINKTYPE_* for a few types.
std::uint32_t to_link_type(int dlt) {
  switch (dlt) {
    case 12:  // DLT_RAW on most platforms
    case 14:  // DLT_RAW on OpenBSD
      return static_cast<std::uint32_t>(LinkType::raw);
    default:
      return static_cast<std::uint32_t>(dlt);
  }
}

bool is_supported(std::uint32_t link_type) {
  switch (static_cast<LinkType>(link_type)) {
    case LinkType::null_bsd:
    case LinkType::ethernet:
    case LinkType::raw:
    case LinkType::loop:
    case LinkType::linux_sll:
    case LinkType::ipv4:
    case LinkType::ipv6:
    case LinkType::linux_sll2:
      return true;
  }
  return false;
}

}  // namespace

struct PcapFileSource::Impl {
  struct Reader {
    std::string path;
    PcapHandle handle;
    std::uint32_t link_type = 0;
    std::uint64_t records_read = 0;
    // The record waiting to be delivered; libpcap keeps `data` valid until the next read.
    const pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    bool done = false;

    std::int64_t ts_ns() const {
      // Opened with nanosecond precision: tv_usec holds nanoseconds. A pcapng timestamp (64 bits
      // of units) can name a second past 2262 that no int64 of nanoseconds holds: such a record
      // becomes kFrameTimeUnknown, counted by the engine, instead of overflowing into 1969.
      return frame_time_ns(header->ts.tv_sec, header->ts.tv_usec);
    }
  };

  std::vector<Reader> readers;
  std::vector<ReadError> read_errors;
  std::vector<std::string> warnings;

  // Reads the next record of `reader`; records damage and end of file.
  void advance(Reader& reader) {
    const int status = pcap_next_ex(reader.handle.get(), const_cast<pcap_pkthdr**>(&reader.header), &reader.data);
    if (status == 1) {
      ++reader.records_read;
      return;
    }
    reader.done = true;
    if (status == PCAP_ERROR) {
      read_errors.push_back(ReadError{reader.path, reader.records_read + 1, pcap_geterr(reader.handle.get())});
    }
  }
};

PcapFileSource::PcapFileSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PcapFileSource::PcapFileSource(PcapFileSource&&) noexcept = default;
PcapFileSource& PcapFileSource::operator=(PcapFileSource&&) noexcept = default;
PcapFileSource::~PcapFileSource() = default;

Expected<PcapFileSource> PcapFileSource::open(const std::vector<std::string>& paths) {
  auto impl = std::make_unique<Impl>();
  for (const std::string& path : paths) {
    // libpcap's message for a missing file is terse; check readability first to name the cause.
    if (std::ifstream probe(path, std::ios::binary); !probe) {
      return make_error(ErrorKind::input, path + ": cannot open: " + std::strerror(errno));
    }
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    PcapHandle handle(pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf));
    if (!handle) {
      return make_error(ErrorKind::input, path + ": not a readable pcap or pcapng capture (" + errbuf + ")");
    }
    Impl::Reader reader;
    reader.path = path;
    reader.link_type = to_link_type(pcap_datalink(handle.get()));
    reader.handle = std::move(handle);
    impl->advance(reader);
    if (reader.done) {
      if (!impl->read_errors.empty() && impl->read_errors.back().file == path) {
        return make_error(ErrorKind::input,
                          path + ": not one packet could be read (" + impl->read_errors.back().message + ")");
      }
      impl->warnings.push_back(path + ": the capture holds no packets");
    }
    if (!is_supported(reader.link_type)) {
      const char* name = pcap_datalink_val_to_name(pcap_datalink(reader.handle.get()));
      impl->warnings.push_back(path + ": link type " + std::to_string(reader.link_type) + " (" +
                               (name ? name : "unknown") +
                               ") is not supported; its packets are counted as unsupported_link");
    }
    impl->readers.push_back(std::move(reader));
  }
  return PcapFileSource(std::move(impl));
}

void PcapFileSource::run(FrameSink& sink) {
  auto& readers = impl_->readers;
  for (;;) {
    // A handful of files at most: a linear scan for the oldest pending record beats a heap.
    Impl::Reader* oldest = nullptr;
    for (auto& reader : readers) {
      if (!reader.done && (oldest == nullptr || reader.ts_ns() < oldest->ts_ns())) oldest = &reader;
    }
    if (oldest == nullptr) return;
    const Frame frame{
        .ts_ns = oldest->ts_ns(),
        .link_type = oldest->link_type,
        .wire_len = oldest->header->len,
        .data = Bytes(oldest->data, oldest->header->caplen),
    };
    sink.on_frame(frame);
    impl_->advance(*oldest);
  }
}

const std::vector<ReadError>& PcapFileSource::read_errors() const { return impl_->read_errors; }
const std::vector<std::string>& PcapFileSource::warnings() const { return impl_->warnings; }

}  // namespace sipmon
