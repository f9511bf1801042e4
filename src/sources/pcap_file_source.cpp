#include "sources/pcap_file_source.h"

#include <pcap/pcap.h>

#include <cstdio>
#include <string_view>

#include "analysis/frame.h"
#include "formats/capture_file_format.h"
#include "sources/capture_blocks.h"
#include "sources/capture_stream.h"

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

// A file opened with libpcap: through a capture stream (stdin, compressed input), with
// nanosecond timestamps.
struct LibpcapInput {
  PcapHandle handle;
  std::shared_ptr<const CaptureStreamState> stream;
};

Expected<LibpcapInput> libpcap_over(const std::string& path, Expected<CaptureStream> stream) {
  if (!stream) return tl::unexpected(stream.error());
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  PcapHandle handle(pcap_fopen_offline_with_tstamp_precision(stream->file, PCAP_TSTAMP_PRECISION_NANO, errbuf));
  if (!handle) {
    std::fclose(stream->file);  // libpcap closes it only once it has accepted it
    const char* compression = compression_name(stream->state->compression);
    const std::string what = *compression ? std::string(" (") + compression + "-compressed)" : "";
    const std::string cause = stream->state->error.empty() ? errbuf : stream->state->error;
    return make_error(ErrorKind::input, path + what + ": not a readable pcap or pcapng capture (" + cause + ")");
  }
  return LibpcapInput{std::move(handle), std::move(stream->state)};
}

Expected<LibpcapInput> open_with_libpcap(const std::string& path) {
  // Opened here rather than by libpcap: stdin ("-") and compressed captures, and a message that
  // names the cause of a missing file.
  return libpcap_over(path, open_capture_stream(path));
}

// The bytes of `window` from `from` on, after `head`: what libpcap reads again of a stream.
std::vector<std::uint8_t> replayed_bytes(const std::vector<std::uint8_t>& head, Bytes window, std::size_t from) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(head.size() + window.size() - from);
  bytes.insert(bytes.end(), head.begin(), head.end());
  bytes.insert(bytes.end(), window.begin() + static_cast<std::ptrdiff_t>(from), window.end());
  return bytes;
}

// A classic pcap's magic number says nanosecond (either byte order) or microsecond.
bool nanosecond_magic(const CaptureStreamState& stream) {
  if (stream.leading_size < 4) return false;
  const auto& magic = stream.leading_bytes;
  const std::uint32_t magic_le = magic[0] | magic[1] << 8 | magic[2] << 16 | static_cast<std::uint32_t>(magic[3]) << 24;
  return magic_le == capture_format::kPcapNanosecondMagic ||
         __builtin_bswap32(magic_le) == capture_format::kPcapNanosecondMagic;
}

}  // namespace

struct PcapFileSource::Impl {
  struct Reader {
    std::string path;
    // The block reader while it reads; reset when libpcap takes over.
    std::optional<CaptureFileBlocks> blocks;
    std::optional<CaptureBlockParser> parser;
    bool handed_off = false;
    // libpcap, when it reads the file (from the start, or from where the block reader stopped).
    PcapHandle handle;
    std::shared_ptr<const CaptureStreamState> stream;  // bytes read, compression, decompression errors
    std::uint32_t link_type = 0;
    bool pcapng = false;
    bool nanosecond = true;
    std::uint64_t records_read = 0;
    // The record waiting to be delivered; its bytes stay valid until the next read.
    Frame frame;
    bool done = false;

    std::int64_t ts_ns() const { return frame.ts_ns; }
    const char* reader_name() const { return block_reader ? (handed_off ? "blocks+libpcap" : "blocks") : "libpcap"; }
    bool block_reader = false;    // the block reader started on it
    std::uint64_t size_read = 0;  // bytes the block reader consumed, once it stopped (progress)
  };

  std::vector<Reader> readers;
  std::vector<ReadError> read_errors;
  std::vector<std::string> warnings;

  // Reads the next record of `reader`; records damage and end of file.
  void advance(Reader& reader) {
    if (reader.parser) {
      BlockRecord record;
      CaptureBlockParser::Next next = reader.parser->next(record);
      while (next == CaptureBlockParser::Next::more) {
        const std::size_t before = reader.blocks->window().size() - reader.parser->window_position();
        reader.blocks->refill(reader.parser->window_position());
        // A read error, or no room to read on (cannot happen: the buffer holds two blocks):
        // libpcap reads the file from there, and says what is wrong with it if anything is.
        if (reader.blocks->failed() || (reader.blocks->window().size() == before && !reader.blocks->complete())) {
          next = CaptureBlockParser::Next::handoff;
          break;
        }
        reader.parser->slide(reader.blocks->window(), reader.blocks->complete());
        next = reader.parser->next(record);
      }
      switch (next) {
        case CaptureBlockParser::Next::more:
          break;  // not after the loop above
        case CaptureBlockParser::Next::record:
          reader.frame = Frame{
              .ts_ns = record.ts_ns, .link_type = record.link_type, .wire_len = record.wire_len, .data = record.data};
          ++reader.records_read;
          return;
        case CaptureBlockParser::Next::end:
        case CaptureBlockParser::Next::damaged: {
          reader.done = true;
          reader.size_read = reader.parser->offset();
          // A stream that stopped on an error (corrupt or cut-short compressed data, a read error)
          // ends there whatever the parser made of its last bytes: libpcap reading the same
          // stream would fail at that record with the stream's words, as this says.
          const std::string* stream_error = reader.blocks->stream_error();
          if (stream_error != nullptr) {
            read_errors.push_back(ReadError{reader.path, reader.records_read + 1, *stream_error});
          } else if (next == CaptureBlockParser::Next::damaged) {
            read_errors.push_back(ReadError{reader.path, reader.records_read + 1, reader.parser->damage()});
          }
          return;
        }
        case CaptureBlockParser::Next::handoff:
          if (!hand_off(reader)) return;
          break;
      }
    }
    read_with_libpcap(reader);
  }

  void read_with_libpcap(Reader& reader) {
    const pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int status = pcap_next_ex(reader.handle.get(), const_cast<pcap_pkthdr**>(&header), &data);
    if (status == 1) {
      ++reader.records_read;
      // Opened with nanosecond precision: tv_usec holds nanoseconds. A pcapng timestamp (64 bits
      // of units) can name a second past 2262 that no int64 of nanoseconds holds: such a record
      // becomes kFrameTimeUnknown, counted by the engine, instead of overflowing into 1969.
      reader.frame = Frame{.ts_ns = frame_time_ns(header->ts.tv_sec, header->ts.tv_usec),
                           .link_type = reader.link_type,
                           .wire_len = header->len,
                           .data = Bytes(data, header->caplen)};
      return;
    }
    reader.done = true;
    if (status == PCAP_ERROR) {
      // A decompression error says more than libpcap's "error reading dump file".
      const std::string& stream_error = reader.stream->error;
      read_errors.push_back(ReadError{reader.path, reader.records_read + 1,
                                      stream_error.empty() ? pcap_geterr(reader.handle.get()) : stream_error});
    }
  }

  // libpcap takes over at the next record (rare: a block the block reader does not handle). A
  // regular file is opened afresh and the records the block reader handed on are skipped. A
  // stream (a pipe, compressed input) cannot be rewound: libpcap reads the file header or the
  // section's header and interface blocks again, then the rest of the stream from that record.
  // False when it cannot (the file vanished, libpcap fails before that record, a section header
  // too large to keep), which is then damage.
  bool hand_off(Reader& reader) {
    reader.size_read = reader.parser->offset();
    reader.handed_off = true;
    const bool stream = reader.blocks->stream_state() != nullptr;
    Expected<LibpcapInput> input = stream ? libpcap_on_stream(reader) : open_with_libpcap(reader.path);
    reader.parser.reset();
    reader.blocks.reset();
    if (!input) {
      reader.done = true;
      read_errors.push_back(ReadError{reader.path, reader.records_read + 1, input.error().message});
      return false;
    }
    reader.handle = std::move(input->handle);
    reader.stream = std::move(input->stream);
    if (stream) return true;  // it starts at the record the block reader stopped at
    for (std::uint64_t skipped = 0; skipped < reader.records_read; ++skipped) {
      pcap_pkthdr* header = nullptr;
      const u_char* data = nullptr;
      const int status = pcap_next_ex(reader.handle.get(), &header, &data);
      if (status != 1) {
        reader.done = true;
        read_errors.push_back(ReadError{reader.path, reader.records_read + 1,
                                        status == PCAP_ERROR ? pcap_geterr(reader.handle.get())
                                                             : "libpcap found fewer packets than the block reader"});
        return false;
      }
    }
    return true;
  }

  // libpcap on the rest of the stream the block reader reads, with the header it needs first.
  static Expected<LibpcapInput> libpcap_on_stream(Reader& reader) {
    const std::vector<std::uint8_t> head = reader.parser->header_bytes();
    if (head.empty())
      return make_error(ErrorKind::input, "the section header is too large to hand the stream to libpcap");
    std::vector<std::uint8_t> again = replayed_bytes(head, reader.blocks->window(), reader.parser->window_position());
    return libpcap_over(reader.path, prepend_to_capture_stream(std::move(again), reader.blocks->release_stream()));
  }
};

PcapFileSource::PcapFileSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PcapFileSource::PcapFileSource(PcapFileSource&&) noexcept = default;
PcapFileSource& PcapFileSource::operator=(PcapFileSource&&) noexcept = default;
PcapFileSource::~PcapFileSource() = default;

Expected<PcapFileSource> PcapFileSource::open(const std::vector<std::string>& paths, FileReader which) {
  auto impl = std::make_unique<Impl>();
  for (const std::string& path : paths) {
    Impl::Reader reader;
    reader.path = path;
    const auto take_blocks = [&reader](CaptureFileBlocks& blocks) {
      auto parser = CaptureBlockParser::start(blocks.window(), blocks.complete());
      if (!parser) return false;
      reader.link_type = parser->first_link_type();
      reader.pcapng = parser->pcapng();
      reader.nanosecond = parser->nanosecond();
      reader.parser = std::move(parser);
      reader.blocks = std::move(blocks);
      reader.block_reader = true;
      return true;
    };
    // libpcap's input when the block reader does not start: the file opened for it, or the stream
    // the block reader began (its bytes read again first).
    std::optional<Expected<CaptureStream>> libpcap_stream;
    if (which == FileReader::automatic && path != kStdinPath) {
      // A regular file in a format the block reader knows (not compressed, not archaic).
      if (auto blocks = CaptureFileBlocks::open(path)) take_blocks(*blocks);
    }
    if (which == FileReader::automatic && !reader.parser) {
      // Standard input, a pipe or compressed input: the block reader reads the stream libpcap
      // would, in blocks of 1 MiB instead of its reads of a record at a time.
      auto stream = open_capture_stream(path);
      // (A plain regular file the block reader did not start on above goes to libpcap directly.)
      if (stream &&
          (stream->state->compression != CaptureCompression::none || !stream->state->raw_size || path == kStdinPath)) {
        CaptureFileBlocks blocks = CaptureFileBlocks::from_stream(std::move(*stream));
        // A pipe may hold only the capture's first bytes yet: more is read until the parser can
        // start, the stream ends, or a buffer's worth says it never will.
        while (!take_blocks(blocks) && !blocks.complete() && blocks.window().size() < CaptureFileBlocks::kBufferBytes) {
          blocks.refill(0);
        }
        if (!reader.parser) {
          std::vector<std::uint8_t> again = replayed_bytes({}, blocks.window(), 0);
          libpcap_stream = prepend_to_capture_stream(std::move(again), blocks.release_stream());
        }
      } else {
        libpcap_stream = std::move(stream);
      }
    }
    if (!reader.parser) {
      auto input = libpcap_stream ? libpcap_over(path, std::move(*libpcap_stream)) : open_with_libpcap(path);
      if (!input) return tl::unexpected(input.error());
      reader.handle = std::move(input->handle);
      reader.stream = std::move(input->stream);
      reader.link_type = to_link_type(pcap_datalink(reader.handle.get()));
      // What libpcap does not say directly: pcapng or pcap (a pcapng section header's major
      // version is 1, a pcap file header's 2), and a classic pcap's own timestamp precision
      // (libpcap scales every record to the precision asked for), read from the magic number of a
      // plain file as the capture stream saw it (the file is opened once). Compressed and piped
      // pcaps are taken as nanosecond, which keeps every timestamp exact.
      reader.pcapng = pcap_major_version(reader.handle.get()) == 1;
      reader.nanosecond = reader.pcapng || reader.stream->compression != CaptureCompression::none ||
                          path == kStdinPath || nanosecond_magic(*reader.stream);
    }
    impl->advance(reader);
    if (reader.done) {
      if (!impl->read_errors.empty() && impl->read_errors.back().file == path) {
        return make_error(ErrorKind::input,
                          path + ": not one packet could be read (" + impl->read_errors.back().message + ")");
      }
      impl->warnings.push_back(path + ": the capture holds no packets");
    }
    if (!is_supported(reader.link_type)) {
      // Only libpcap reads link types the engine does not decode.
      const char* name = reader.handle ? pcap_datalink_val_to_name(pcap_datalink(reader.handle.get())) : nullptr;
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
  if (readers.size() == 1) {
    // One file (the usual case): no merge.
    Impl::Reader& reader = readers.front();
    while (!reader.done) {
      sink.on_frame(reader.frame);
      impl_->advance(reader);
    }
    return;
  }
  for (;;) {
    // A handful of files at most: a linear scan for the oldest pending record beats a heap.
    Impl::Reader* oldest = nullptr;
    for (auto& reader : readers) {
      if (!reader.done && (oldest == nullptr || reader.ts_ns() < oldest->ts_ns())) oldest = &reader;
    }
    if (oldest == nullptr) return;
    sink.on_frame(oldest->frame);
    impl_->advance(*oldest);
  }
}

std::vector<CaptureFileInfo> PcapFileSource::files() const {
  std::vector<CaptureFileInfo> files;
  for (const auto& reader : impl_->readers) {
    files.push_back(
        CaptureFileInfo{reader.path, reader.link_type, reader.pcapng, reader.nanosecond, reader.reader_name()});
  }
  return files;
}

ReadProgress PcapFileSource::progress() const {
  ReadProgress progress;
  for (const auto& reader : impl_->readers) {
    const char* name = reader.reader_name();
    progress.reader = *progress.reader == '\0' || std::string_view(progress.reader) == name ? name : "blocks+libpcap";
    // A stream's progress is in its own bytes (compressed ones for compressed input), whoever reads it.
    const CaptureStreamState* stream = reader.parser ? reader.blocks->stream_state().get() : reader.stream.get();
    if (stream == nullptr && reader.parser) {  // the block reader on a regular file
      progress.bytes_read += reader.parser->offset();
      if (progress.bytes_total) *progress.bytes_total += std::max(reader.blocks->size(), reader.parser->offset());
      continue;
    }
    if (stream == nullptr) {  // the block reader stopped on a regular file, and no libpcap took over
      progress.bytes_read += reader.size_read;
      if (progress.bytes_total) *progress.bytes_total += reader.size_read;
      continue;
    }
    progress.bytes_read += stream->raw_bytes_read;
    if (stream->raw_size && progress.bytes_total) {
      *progress.bytes_total += *stream->raw_size;
    } else {
      progress.bytes_total.reset();  // a pipe: the total is unknown
    }
  }
  return progress;
}

const std::vector<ReadError>& PcapFileSource::read_errors() const { return impl_->read_errors; }
const std::vector<std::string>& PcapFileSource::warnings() const { return impl_->warnings; }

}  // namespace sipmon
