#pragma once
// Writes frames as a pcapng file (RFC draft-ietf-opsawg-pcapng; the format Wireshark writes):
// one Section Header Block, one Interface Description Block per link type (added when a frame of
// that type first comes), one Enhanced Packet Block per frame. libpcap 1.10 reads pcapng but
// cannot write it, and Debian 12 packages no small library that does, hence these few blocks.
// Byte order is the host's, as the format allows (the section header's magic tells readers).
#include <cstdint>
#include <cstdio>
#include <vector>

#include "analysis/frame.h"

namespace sipmon {

class PcapngWriter {
 public:
  // `nanosecond`: timestamps in ns (if_tsresol 9), else in µs (the pcapng default).
  PcapngWriter(std::FILE* out, bool nanosecond) : out_(out), nanosecond_(nanosecond) {}

  // Each returns false when the file could not be written (errno says why).
  bool write_section_header();
  bool write(const Frame& frame);

 private:
  bool write_interface(std::uint32_t link_type);
  bool put(const void* data, std::size_t size);

  std::FILE* out_;
  bool nanosecond_;
  std::vector<std::uint32_t> interfaces_;  // link type of each interface, by interface id
};

}  // namespace sipmon
