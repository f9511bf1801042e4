#include "analysis/hep_decoder.h"

#include <algorithm>
#include <array>

namespace sipmon {
namespace {

constexpr std::array<std::string_view, kHepErrorCount> kHepErrorNames{
#define SIPMON_HEP_ERROR_NAME(name) #name,
    SIPMON_HEP_ERRORS(SIPMON_HEP_ERROR_NAME)
#undef SIPMON_HEP_ERROR_NAME
};

// Address families as Linux numbers them: HEP carries the sender's AF_INET/AF_INET6 values, and
// every known sender runs on Linux (other systems' AF_INET6 differ; they would be refused).
constexpr std::uint8_t kAfInet = 2;
constexpr std::uint8_t kAfInet6 = 10;

constexpr std::size_t kHep3HeaderBytes = 6;   // "HEP3", total length
constexpr std::size_t kChunkHeaderBytes = 6;  // vendor, type, length (header included)

// HEPv3 chunk types of the generic vendor (0).
enum ChunkType : std::uint16_t {
  kIpFamily = 0x0001,
  kIpProtocol = 0x0002,
  kIpv4Src = 0x0003,
  kIpv4Dst = 0x0004,
  kIpv6Src = 0x0005,
  kIpv6Dst = 0x0006,
  kSrcPort = 0x0007,
  kDstPort = 0x0008,
  kTimestampSec = 0x0009,
  kTimestampUsec = 0x000a,
  kProtocolType = 0x000b,
  kCaptureId = 0x000c,
  kAuthKey = 0x000e,
  kPayload = 0x000f,
  kCompressedPayload = 0x0010,
  kCorrelationId = 0x0011,
};

IpAddress address_from(Bytes bytes) {
  IpAddress address;
  address.family = bytes.size() == 4 ? 4 : 6;
  std::copy(bytes.begin(), bytes.end(), address.bytes.begin());
  return address;
}

HepPacket refuse(HepError error) {
  HepPacket packet;
  packet.error = error;
  return packet;
}

std::int64_t to_ns(std::uint32_t seconds, std::uint32_t microseconds) {
  return std::int64_t{seconds} * 1'000'000'000 + std::int64_t{microseconds} * 1'000;
}

// What a HEPv3 packet said, before it is checked for completeness.
struct Hep3Fields {
  std::uint8_t family = 0;
  bool has_src_port = false, has_dst_port = false, has_src4 = false, has_dst4 = false, has_src6 = false,
       has_dst6 = false, has_sec = false, has_payload = false, has_compressed = false;
  std::uint32_t seconds = 0;
  std::uint32_t microseconds = 0;
};

// Reads one generic chunk into `packet`/`fields`. A known chunk of the wrong size is an error:
// the packet cannot be trusted; an unknown one is only counted.
HepError read_chunk(std::uint16_t type, Bytes value, HepPacket& packet, Hep3Fields& fields) {
  auto sized = [&](std::size_t n) { return value.size() == n; };
  switch (type) {
    case kIpFamily:
      if (!sized(1)) return HepError::bad_length;
      fields.family = value[0];
      return HepError::none;
    case kIpProtocol:
      if (!sized(1)) return HepError::bad_length;
      packet.ip_protocol = value[0];
      return HepError::none;
    case kIpv4Src:
    case kIpv4Dst:
      if (!sized(4)) return HepError::bad_address_family;
      (type == kIpv4Src ? packet.src : packet.dst) = address_from(value);
      (type == kIpv4Src ? fields.has_src4 : fields.has_dst4) = true;
      return HepError::none;
    case kIpv6Src:
    case kIpv6Dst:
      if (!sized(16)) return HepError::bad_address_family;
      (type == kIpv6Src ? packet.src : packet.dst) = address_from(value);
      (type == kIpv6Src ? fields.has_src6 : fields.has_dst6) = true;
      return HepError::none;
    case kSrcPort:
    case kDstPort:
      if (!sized(2)) return HepError::bad_length;
      (type == kSrcPort ? packet.src_port : packet.dst_port) = load_be16(value.data());
      (type == kSrcPort ? fields.has_src_port : fields.has_dst_port) = true;
      return HepError::none;
    case kTimestampSec:
    case kTimestampUsec:
      if (!sized(4)) return HepError::bad_length;
      (type == kTimestampSec ? fields.seconds : fields.microseconds) = load_be32(value.data());
      if (type == kTimestampSec) fields.has_sec = true;
      return HepError::none;
    case kProtocolType:
      if (!sized(1)) return HepError::bad_length;
      packet.protocol_type = value[0];
      return HepError::none;
    case kCaptureId:
      // Most senders write 4 bytes; old Kamailio versions wrote 2.
      if (sized(4))
        packet.capture_id = load_be32(value.data());
      else if (sized(2))
        packet.capture_id = load_be16(value.data());
      else
        return HepError::bad_length;
      return HepError::none;
    case kAuthKey:
      packet.auth_key = as_text(value);
      return HepError::none;
    case kPayload:
      packet.payload = value;
      fields.has_payload = true;
      return HepError::none;
    case kCompressedPayload:
      fields.has_compressed = true;
      return HepError::none;
    case kCorrelationId:
      packet.correlation_id = as_text(value);
      return HepError::none;
    default:
      ++packet.unknown_chunks;
      return HepError::none;
  }
}

HepPacket decode_hep3(Bytes bytes) {
  if (bytes.size() < kHep3HeaderBytes) return refuse(HepError::truncated);
  const std::size_t total = load_be16(bytes.data() + 4);
  if (total < kHep3HeaderBytes) return refuse(HepError::bad_length);
  if (total > bytes.size()) return refuse(HepError::truncated);
  // Bytes after the total length are not part of this packet (a UDP datagram holds one).
  Bytes chunks = bytes.subspan(kHep3HeaderBytes, total - kHep3HeaderBytes);

  HepPacket packet;
  packet.version = 3;
  packet.protocol_type = 0;  // HEPv3 names its protocol; a packet that does not is not SIP
  Hep3Fields fields;
  while (!chunks.empty()) {
    if (chunks.size() < kChunkHeaderBytes) return refuse(HepError::bad_length);
    const std::uint16_t vendor = load_be16(chunks.data());
    const std::uint16_t type = load_be16(chunks.data() + 2);
    const std::size_t length = load_be16(chunks.data() + 4);
    if (length < kChunkHeaderBytes || length > chunks.size()) return refuse(HepError::bad_length);
    const Bytes value = chunks.subspan(kChunkHeaderBytes, length - kChunkHeaderBytes);
    if (vendor != 0) {
      ++packet.unknown_chunks;
    } else if (const HepError error = read_chunk(type, value, packet, fields); error != HepError::none) {
      return refuse(error);
    }
    chunks = chunks.subspan(length);
  }

  // Addresses: the family chunk decides which pair counts (a sender may add both).
  if (fields.family == kAfInet) {
    if (!fields.has_src4 || !fields.has_dst4) return refuse(HepError::missing_addresses);
    if (packet.src.family != 4 || packet.dst.family != 4) return refuse(HepError::bad_address_family);
  } else if (fields.family == kAfInet6) {
    if (!fields.has_src6 || !fields.has_dst6) return refuse(HepError::missing_addresses);
    if (packet.src.family != 6 || packet.dst.family != 6) return refuse(HepError::bad_address_family);
  } else if (fields.family == 0 && ((fields.has_src4 && fields.has_dst4) != (fields.has_src6 && fields.has_dst6))) {
    // No family chunk, but exactly one complete pair: take it.
  } else if (fields.family == 0) {
    return refuse(HepError::missing_addresses);
  } else {
    return refuse(HepError::bad_address_family);
  }
  if (!fields.has_src_port || !fields.has_dst_port) return refuse(HepError::missing_addresses);
  if (fields.has_sec) {
    packet.has_timestamp = true;
    packet.ts_ns = to_ns(fields.seconds, fields.microseconds);
  }
  if (!fields.has_payload && fields.has_compressed) return refuse(HepError::compressed_payload);
  if (!fields.has_payload || packet.payload.empty()) return refuse(HepError::missing_payload);
  return packet;
}

// HEPv1 and v2: a fixed header in the sender's C struct layout. Ports and addresses are in
// network order; the v2 time fields were written in the sender's own byte order (no reference
// sender converts them), which is little-endian on every platform these servers run on. The
// header-length byte is not checked: senders disagree on what it holds (docs/hep.md).
HepPacket decode_hep12(Bytes bytes) {
  constexpr std::size_t kFixedBytes = 8;  // version, length, family, protocol, ports
  constexpr std::size_t kTimeBytes = 12;  // seconds, microseconds, capture id, padding
  if (bytes.size() < kFixedBytes) return refuse(HepError::truncated);
  HepPacket packet;
  packet.version = bytes[0];
  packet.protocol_type = kHepProtocolSip;
  const std::uint8_t family = bytes[2];
  packet.ip_protocol = bytes[3];
  packet.src_port = load_be16(bytes.data() + 4);
  packet.dst_port = load_be16(bytes.data() + 6);
  std::size_t address_bytes = 0;
  if (family == kAfInet)
    address_bytes = 4;
  else if (family == kAfInet6)
    address_bytes = 16;
  else
    return refuse(HepError::bad_address_family);
  std::size_t offset = kFixedBytes;
  if (bytes.size() < offset + 2 * address_bytes) return refuse(HepError::truncated);
  packet.src = address_from(bytes.subspan(offset, address_bytes));
  packet.dst = address_from(bytes.subspan(offset + address_bytes, address_bytes));
  offset += 2 * address_bytes;
  if (packet.version == 2) {
    if (bytes.size() < offset + kTimeBytes) return refuse(HepError::truncated);
    packet.has_timestamp = true;
    packet.ts_ns = to_ns(load_le32(bytes.data() + offset), load_le32(bytes.data() + offset + 4));
    packet.capture_id = static_cast<std::uint16_t>(bytes[offset + 8] | (bytes[offset + 9] << 8));
    offset += kTimeBytes;
  }
  packet.payload = bytes.subspan(offset);
  if (packet.payload.empty()) return refuse(HepError::missing_payload);
  return packet;
}

bool starts_with_hep3(Bytes bytes) {
  return bytes.size() >= 4 && bytes[0] == 'H' && bytes[1] == 'E' && bytes[2] == 'P' && bytes[3] == '3';
}

}  // namespace

std::string_view hep_error_name(HepError error) {
  const auto index = static_cast<std::size_t>(error);
  return index < kHepErrorCount ? kHepErrorNames[index] : std::string_view("none");
}

HepPacket decode_hep(Bytes packet) {
  if (packet.empty()) return refuse(HepError::truncated);
  if (starts_with_hep3(packet)) return decode_hep3(packet);
  if (packet[0] == 1 || packet[0] == 2) return decode_hep12(packet);
  if (hep_stream_packet_length(packet) == 0) return refuse(HepError::truncated);  // "HEP" cut short
  return refuse(HepError::unknown_version);
}

std::int64_t hep_stream_packet_length(Bytes stream) {
  static constexpr std::uint8_t kMagic[] = {'H', 'E', 'P', '3'};
  const std::size_t prefix = std::min(stream.size(), std::size_t{4});
  if (!std::equal(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(prefix), kMagic)) return -1;
  if (stream.size() < kHep3HeaderBytes) return 0;
  const std::size_t total = load_be16(stream.data() + 4);
  if (total < kHep3HeaderBytes) return -1;
  return static_cast<std::int64_t>(total);
}

}  // namespace sipmon
