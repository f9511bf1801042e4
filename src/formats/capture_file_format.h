#pragma once
// The numbers of the two capture file formats sipmon reads and writes: libpcap's classic savefile
// (pcap-savefile(5)) and pcapng (draft-ietf-opsawg-pcapng). One place for both ends: the block
// reader and the libpcap source (src/sources) and the capture writers (src/outputs).

#include <cstdint>

namespace sipmon::capture_format {

// Classic pcap: the first four bytes, as read in the file's own byte order.
constexpr std::uint32_t kPcapMicrosecondMagic = 0xa1b2c3d4;
constexpr std::uint32_t kPcapNanosecondMagic = 0xa1b23c4d;

// pcapng block types (section 4 of the draft; 2 is the obsolete Packet Block).
constexpr std::uint32_t kSectionHeaderBlock = 0x0A0D0D0A;
constexpr std::uint32_t kInterfaceDescriptionBlock = 1;
constexpr std::uint32_t kObsoletePacketBlock = 2;
constexpr std::uint32_t kSimplePacketBlock = 3;
constexpr std::uint32_t kEnhancedPacketBlock = 6;
// The Section Header Block's byte-order magic: read swapped, the section is in the other order.
constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;

// Interface Description Block options.
constexpr std::uint16_t kOptionEnd = 0;
constexpr std::uint16_t kOptionTsresol = 9;
constexpr std::uint16_t kOptionTsoffset = 14;

// libpcap's largest snap length for the link types sipmon decodes (max_snaplen_for_dlt), and what
// tcpdump and Wireshark write.
constexpr std::uint32_t kMaxSnapLength = 262144;

}  // namespace sipmon::capture_format
