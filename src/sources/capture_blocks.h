#pragma once
// The fast path of the replay's file reader: a pcap or pcapng file read in large blocks
// (CaptureFileBlocks) and walked in place, each record handed on as a view into the block (no
// copy per packet, no read() per 4 KiB as libpcap's stdio does). It handles what captures are
// made of -- classic pcap in either byte order with micro- or nanosecond timestamps, pcapng
// sections (SHB) of either byte order with their interfaces (IDB: link type, snap length, if_tsresol, if_tsoffset),
// enhanced and simple packet blocks (EPB, SPB), other blocks skipped -- and hands everything else back to libpcap
// (pcap_file_source.cpp), so that both readers always give the same frames:
//   - a file it does not recognise (an archaic or modified pcap, a link type libpcap rewrites or
//     that is not decoded) is read by libpcap from the start (compressed input and pipes are
//     recognised once decompressed: CaptureFileBlocks reads capture streams too);
//   - a record it does not handle in the middle of a file (a length libpcap would clip or refuse,
//     an obsolete packet block, malformed options, a section in another byte order) makes it
//     stop with `handoff`: libpcap then takes over at that record.
// Its one difference from libpcap is deliberate: a pcapng whose interfaces have different link
// types or snap lengths (mergecap's output) is read, each packet with its own interface's link
// type, where libpcap stops at the second interface.
// Without libpcap headers, so that it can be tested and fuzzed over plain bytes.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/bytes.h"
#include "sources/capture_stream.h"

namespace sipmon {

struct BlockRecord {
  std::int64_t ts_ns = 0;       // as libpcap gives it at nanosecond precision (frame_time_ns)
  std::uint32_t link_type = 0;  // LINKTYPE_* of the record's interface
  std::uint32_t wire_len = 0;   // original length
  Bytes data;                   // the captured bytes, inside the block buffer
};

class CaptureBlockParser {
 public:
  enum class Next {
    record,   // `out` holds the next record
    more,     // the window ends inside the next block: slide() it on (never when complete)
    end,      // the file ended cleanly
    damaged,  // the file ends inside a block: damage() says so in libpcap's words
    handoff,  // a block this parser does not handle: let libpcap read on from record number `records() + 1`
  };

  // Reads the file header (and, for pcapng, the blocks up to the first interface). Empty when
  // the file is not one this parser reads from its start: libpcap then reads all of it.
  // `file` is the whole file, or (`complete` false) its first bytes: the window the parser walks,
  // which slide() moves on through the file. Records are views into the window.
  static std::optional<CaptureBlockParser> start(Bytes file, bool complete = true);

  Next next(BlockRecord& out);

  // After Next::more: `window` holds the file from offset() on (the bytes not consumed, then
  // more); `complete` when it reaches the end of the file. Records handed on before are gone.
  void slide(Bytes window, bool complete) {
    base_ += pos_;
    pos_ = 0;
    file_ = window;
    complete_ = complete;
  }
  std::size_t window_position() const { return pos_; }  // bytes of the window consumed

  const std::string& damage() const { return damage_; }
  std::uint64_t offset() const { return base_ + pos_; }  // bytes of the file consumed
  std::uint64_t records() const { return records_; }     // records handed on so far
  bool pcapng() const { return pcapng_; }
  bool nanosecond() const { return nanosecond_; }  // classic pcap: nanosecond magic
  std::uint32_t first_link_type() const { return first_link_type_; }
  // What libpcap must read first to take over at the next record of a stream that cannot be
  // rewound (a pipe, a decompressor), as it was in the file: a classic pcap's file header; for a
  // pcapng, the current section's header block and interface blocks, after the first section's
  // header and first interface when the current section is a later one (libpcap holds every later
  // interface to that first one's link type and snap length). Empty after more than
  // kMaxHeaderBytes of them (thousands of interfaces): such a stream cannot be handed over.
  std::vector<std::uint8_t> header_bytes() const;
  static constexpr std::size_t kMaxHeaderBytes = 256 * 1024;

 private:
  struct Interface {
    std::uint32_t link_type = 0;
    std::uint32_t snaplen = 0;        // effective: 0 or too big become the largest snap length libpcap allows
    std::uint64_t units = 1'000'000;  // if_tsresol: timestamp units per second
    std::uint64_t tsoffset = 0;       // if_tsoffset, seconds
    bool binary = false;              // units is a power of 2
  };

  struct PcapngTime {
    std::uint64_t seconds = 0;
    std::uint64_t fraction_ns = 0;
  };
  static PcapngTime split_time(std::uint64_t t, const Interface& iface);

  CaptureBlockParser(Bytes file, bool complete) : file_(file), complete_(complete) {}
  bool start_pcap();
  bool start_pcapng();
  Next next_pcap(BlockRecord& out);
  Next next_pcapng(BlockRecord& out);
  // Adds the interface described by the IDB whose body is `body`; false if not handled.
  bool add_interface(Bytes body);
  // header_bytes(): `block` (the window's bytes from `at`, `length` of them) starts them afresh
  // (a file header, a section header) or is added to them (an interface block).
  void keep_header(std::size_t at, std::size_t length, bool afresh);
  std::uint32_t u32(std::size_t at) const;
  std::uint16_t u16(std::size_t at) const;

  Bytes file_;              // the window: file bytes from base_ on
  bool complete_ = true;    // file_ reaches the end of the file: a block cut short there is damage
  std::uint64_t base_ = 0;  // file offset of file_'s first byte
  std::size_t pos_ = 0;     // in file_
  std::uint64_t records_ = 0;
  bool swapped_ = false;
  bool pcapng_ = false;
  bool nanosecond_ = false;
  std::uint32_t first_link_type_ = 0;
  Interface pcap_{};                              // classic pcap: the file's one "interface"
  std::vector<Interface> interfaces_;             // pcapng: this section's interfaces
  std::vector<std::uint8_t> header_bytes_;        // the current section's (pcapng), the file header (pcap)
  std::vector<std::uint8_t> first_section_head_;  // pcapng: the first section header and first interface
  bool later_section_ = false;                    // the current section is not the first
  bool header_overflow_ = false;                  // header_bytes_ outgrew kMaxHeaderBytes (and was emptied)
  std::string damage_;
};

// A capture read from start to end in large blocks into one buffer, which the parser walks in
// place (slide()): a regular file through read(), or a capture stream (capture_stream.h: standard
// input, a pipe, a gzip or zstd file, decompressed into the buffer) through its read_some(). Not a memory
// mapping: on the virtual machines this project runs on, the first touch of each page of a mapped
// file costs ~3 us (a fault to the hypervisor, whatever was mapped ahead), which made the mapped
// walk alone cost more than libpcap's copying reads; read() copies from the page cache in the
// kernel at a fraction of that (docs/performance.md, "Block reader").
class CaptureFileBlocks {
 public:
  // Large enough for any block the parser walks (a pcap record of the largest snap length, a
  // pcapng block up to its limit) with room to spare, so that one read() serves ~2 000 packets.
  static constexpr std::size_t kBufferBytes = std::size_t{1} << 20;

  // Empty when `path` is not a regular, non-empty file that can be read (libpcap is then asked).
  static std::optional<CaptureFileBlocks> open(const std::string& path);
  // The stream's first block read, whatever it holds (an empty window: an empty stream).
  static CaptureFileBlocks from_stream(CaptureStream stream);
  CaptureFileBlocks(CaptureFileBlocks&& other) noexcept;
  CaptureFileBlocks& operator=(CaptureFileBlocks&& other) noexcept;
  CaptureFileBlocks(const CaptureFileBlocks&) = delete;
  CaptureFileBlocks& operator=(const CaptureFileBlocks&) = delete;
  ~CaptureFileBlocks();

  Bytes window() const { return {buffer_.get() + start_, end_ - start_}; }
  // No byte of the capture lies beyond window(): it was read to its end, or (a stream) to an
  // error, which stream_error() names.
  bool complete() const { return complete_; }
  // A read() of a regular file failed (an I/O error): libpcap takes over there and reports it in
  // its own words.
  bool failed() const { return failed_; }
  std::uint64_t size() const { return size_; }  // a regular file's size when opened, for progress
  // Drops the first `consumed` bytes of window(), keeps the rest and reads more after them.
  void refill(std::size_t consumed);

  // A stream's state (bytes taken from the file or pipe, its size if known, errors); null for a
  // regular file read through read().
  const std::shared_ptr<const CaptureStreamState>& stream_state() const { return stream_.state; }
  // Why a stream stopped before its end (a decompression or read error: the state's words); null
  // when it did not.
  const std::string* stream_error() const { return stream_failed_ ? &stream_.state->error : nullptr; }
  // The stream itself, for libpcap to read on (prepend_to_capture_stream); the blocks read no more.
  CaptureStream release_stream();

 private:
  CaptureFileBlocks(int fd, std::uint64_t size);
  explicit CaptureFileBlocks(CaptureStream stream);
  // A stream's largest read (refill()).
  static constexpr std::size_t kStreamStep = 64 * 1024;
  int fd_ = -1;
  CaptureStream stream_;  // instead of fd_ (its file null otherwise)
  std::uint64_t size_ = 0;
  // kBufferBytes, or the file's size if smaller (a sample, a fuzz input: no 1 MiB to allocate for
  // each); not zero-filled: only bytes read are looked at. A file that grows past a small buffer
  // while read is handed to libpcap when the buffer cannot take the next block.
  std::unique_ptr<std::uint8_t[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t start_ = 0;  // window() is buffer_[start_, end_)
  std::size_t end_ = 0;
  bool complete_ = false;
  bool failed_ = false;
  bool stream_failed_ = false;
};

}  // namespace sipmon
