#include "analysis/hep_encoder.h"

#include <cstring>

#include "analysis/hep_decoder.h"

namespace sipmon {
namespace {

constexpr std::size_t kChunkHeader = 6;

std::uint8_t ip_protocol_of(Transport transport) {
  switch (transport) {
    case Transport::udp:
      return ip_protocol::kUdp;
    case Transport::sctp:
      return ip_protocol::kSctp;
    case Transport::tcp:
    case Transport::websocket:
      break;
  }
  return ip_protocol::kTcp;
}

class Writer {
 public:
  explicit Writer(std::span<std::uint8_t> out) : out_(out) {}
  void u8(std::uint8_t v) { out_[pos_++] = v; }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void raw(const void* data, std::size_t n) {
    if (n != 0) std::memcpy(out_.data() + pos_, data, n);
    pos_ += n;
  }
  void chunk_header(std::uint16_t type, std::size_t value_bytes) {
    u16(0);  // generic vendor
    u16(type);
    u16(static_cast<std::uint16_t>(kChunkHeader + value_bytes));
  }
  std::size_t size() const { return pos_; }

 private:
  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
};

// Timestamps before the epoch cannot be written (HEP's seconds are unsigned): they become 0.
std::uint32_t seconds_of(std::int64_t ts_ns) {
  return ts_ns <= 0 ? 0 : static_cast<std::uint32_t>(ts_ns / 1'000'000'000);
}
std::uint32_t microseconds_of(std::int64_t ts_ns) {
  return ts_ns <= 0 ? 0 : static_cast<std::uint32_t>(ts_ns % 1'000'000'000 / 1'000);
}

}  // namespace

std::size_t hep3_encoded_size(const Payload& payload, const HepIdentity& identity) {
  const std::size_t address = payload.src.family == 6 ? 16 : 4;
  std::size_t size = 6;                  // "HEP3", total length
  size += 2 * (kChunkHeader + 1);        // family, protocol
  size += 2 * (kChunkHeader + address);  // addresses
  size += 2 * (kChunkHeader + 2);        // ports
  size += 2 * (kChunkHeader + 4);        // seconds, microseconds
  size += kChunkHeader + 1;              // protocol type
  size += kChunkHeader + 4;              // capture id
  if (!identity.auth_key.empty()) size += kChunkHeader + identity.auth_key.size();
  size += kChunkHeader + payload.bytes.size();
  return size;
}

std::size_t encode_hep3(const Payload& payload, const HepIdentity& identity, std::span<std::uint8_t> out) {
  const std::size_t total = hep3_encoded_size(payload, identity);
  if (total > kHepMaxPacketBytes || total > out.size()) return 0;
  const bool v6 = payload.src.family == 6;
  const std::size_t address = v6 ? 16 : 4;
  Writer w(out);
  w.raw("HEP3", 4);
  w.u16(static_cast<std::uint16_t>(total));
  w.chunk_header(0x0001, 1);
  w.u8(v6 ? 10 : 2);  // AF_INET6 / AF_INET as Linux numbers them
  w.chunk_header(0x0002, 1);
  w.u8(ip_protocol_of(payload.transport));
  w.chunk_header(v6 ? 0x0005 : 0x0003, address);
  w.raw(payload.src.bytes.data(), address);
  w.chunk_header(v6 ? 0x0006 : 0x0004, address);
  w.raw(payload.dst.bytes.data(), address);
  w.chunk_header(0x0007, 2);
  w.u16(payload.src_port);
  w.chunk_header(0x0008, 2);
  w.u16(payload.dst_port);
  w.chunk_header(0x0009, 4);
  w.u32(seconds_of(payload.ts_ns));
  w.chunk_header(0x000a, 4);
  w.u32(microseconds_of(payload.ts_ns));
  w.chunk_header(0x000b, 1);
  w.u8(kHepProtocolSip);
  w.chunk_header(0x000c, 4);
  w.u32(identity.capture_id);
  if (!identity.auth_key.empty()) {
    w.chunk_header(0x000e, identity.auth_key.size());
    w.raw(identity.auth_key.data(), identity.auth_key.size());
  }
  w.chunk_header(0x000f, payload.bytes.size());
  w.raw(payload.bytes.data(), payload.bytes.size());
  return w.size();
}

}  // namespace sipmon
