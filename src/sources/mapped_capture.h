#pragma once
// The fast path of the replay's file reader: a pcap or pcapng file mapped in memory and walked in
// place, each record handed on as a view into the mapping (no copy, no read() per 4 KiB as
// libpcap's stdio does). It handles what captures are made of -- classic pcap in either byte order
// with micro- or nanosecond timestamps, pcapng sections (SHB) of either byte order with their
// interfaces (IDB: link type, snap length, if_tsresol, if_tsoffset), enhanced and simple packet
// blocks (EPB, SPB), other blocks skipped -- and hands everything else back to libpcap
// (pcap_file_source.cpp), so that both readers always give the same frames:
//   - a file it does not recognise (compressed, a pipe, an archaic or modified pcap, a link type
//     libpcap rewrites or that is not decoded) is read by libpcap from the start;
//   - a record it does not handle in the middle of a file (a length libpcap would clip or refuse,
//     an obsolete packet block, malformed options, a section in another byte order) makes it
//     stop with `handoff`: libpcap then takes over at that record.
// Its one difference from libpcap is deliberate: a pcapng whose interfaces have different link
// types or snap lengths (mergecap's output) is read, each packet with its own interface's link
// type, where libpcap stops at the second interface.
// Without libpcap headers, so that it can be tested and fuzzed over plain bytes.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/bytes.h"

namespace sipmon {

struct MappedRecord {
  std::int64_t ts_ns = 0;       // as libpcap gives it at nanosecond precision (frame_time_ns)
  std::uint32_t link_type = 0;  // LINKTYPE_* of the record's interface
  std::uint32_t wire_len = 0;   // original length
  Bytes data;                   // the captured bytes, inside the mapped file
};

class MappedCaptureParser {
 public:
  enum class Next {
    record,   // `out` holds the next record
    end,      // the file ended cleanly
    damaged,  // the file ends inside a block: damage() says so in libpcap's words
    handoff,  // a block this parser does not handle: let libpcap read on from record number `records() + 1`
  };

  // Reads the file header (and, for pcapng, the blocks up to the first interface). Empty when
  // the file is not one this parser reads from its start: libpcap then reads all of it.
  static std::optional<MappedCaptureParser> start(Bytes file);

  Next next(MappedRecord& out);

  const std::string& damage() const { return damage_; }
  std::uint64_t offset() const { return pos_; }       // bytes of the file consumed
  std::uint64_t records() const { return records_; }  // records handed on so far
  bool pcapng() const { return pcapng_; }
  bool nanosecond() const { return nanosecond_; }  // classic pcap: nanosecond magic
  std::uint32_t first_link_type() const { return first_link_type_; }

 private:
  struct Interface {
    std::uint32_t link_type = 0;
    std::uint32_t snaplen = 0;        // effective: 0 or too big become the largest snap length libpcap allows
    std::uint64_t units = 1'000'000;  // if_tsresol: timestamp units per second
    std::uint64_t tsoffset = 0;       // if_tsoffset, seconds
    bool binary = false;              // units is a power of 2
  };

  MappedCaptureParser(Bytes file) : file_(file) {}
  bool start_pcap();
  bool start_pcapng();
  Next next_pcap(MappedRecord& out);
  Next next_pcapng(MappedRecord& out);
  // Adds the interface described by the IDB whose body is `body`; false if not handled.
  bool add_interface(Bytes body);
  std::uint32_t u32(std::size_t at) const;
  std::uint16_t u16(std::size_t at) const;

  Bytes file_;
  std::size_t pos_ = 0;
  std::uint64_t records_ = 0;
  bool swapped_ = false;
  bool pcapng_ = false;
  bool nanosecond_ = false;
  std::uint32_t first_link_type_ = 0;
  Interface pcap_{};                   // classic pcap: the file's one "interface"
  std::vector<Interface> interfaces_;  // pcapng: this section's interfaces
  std::string damage_;
};

// A file mapped read-only for a sequential walk. Empty (the caller falls back to libpcap) when
// it is not a regular file, is empty, or cannot be mapped.
class FileMapping {
 public:
  static std::optional<FileMapping> map(const std::string& path);
  FileMapping(FileMapping&& other) noexcept;
  FileMapping& operator=(FileMapping&& other) noexcept;
  FileMapping(const FileMapping&) = delete;
  FileMapping& operator=(const FileMapping&) = delete;
  ~FileMapping();
  Bytes bytes() const { return {static_cast<const std::uint8_t*>(base_), size_}; }

 private:
  FileMapping(void* base, std::size_t size) : base_(base), size_(size) {}
  void* base_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace sipmon
