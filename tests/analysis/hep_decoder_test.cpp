#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/hep_decoder.h"
#include "analysis/hep_encoder.h"

using namespace sipmon;

namespace {

// Hand-built HEP packets, byte by byte as the format describes them (docs/hep.md), independent
// of sipmon's own encoder.
using Packet = std::vector<std::uint8_t>;

void be16(Packet& p, std::uint16_t v) {
  p.push_back(static_cast<std::uint8_t>(v >> 8));
  p.push_back(static_cast<std::uint8_t>(v));
}
void be32(Packet& p, std::uint32_t v) {
  be16(p, static_cast<std::uint16_t>(v >> 16));
  be16(p, static_cast<std::uint16_t>(v));
}
void le32(Packet& p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void chunk(Packet& p, std::uint16_t type, const Packet& value, std::uint16_t vendor = 0) {
  be16(p, vendor);
  be16(p, type);
  be16(p, static_cast<std::uint16_t>(6 + value.size()));
  p.insert(p.end(), value.begin(), value.end());
}
Packet u8v(std::uint8_t v) { return {v}; }
Packet u16v(std::uint16_t v) {
  Packet p;
  be16(p, v);
  return p;
}
Packet u32v(std::uint32_t v) {
  Packet p;
  be32(p, v);
  return p;
}
Packet text(std::string_view s) { return Packet(s.begin(), s.end()); }

const std::string kSip = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n";

// The chunks of a Kamailio-like HEPv3 IPv4 packet, without the header.
Packet ipv4_chunks(std::string_view payload = kSip) {
  Packet c;
  chunk(c, 0x0001, u8v(2));
  chunk(c, 0x0002, u8v(17));
  chunk(c, 0x0003, Packet{10, 0, 0, 1});
  chunk(c, 0x0004, Packet{10, 0, 0, 2});
  chunk(c, 0x0007, u16v(5060));
  chunk(c, 0x0008, u16v(5080));
  chunk(c, 0x0009, u32v(1700000000));
  chunk(c, 0x000a, u32v(123456));
  chunk(c, 0x000b, u8v(1));
  chunk(c, 0x000c, u32v(2001));
  chunk(c, 0x000f, text(payload));
  return c;
}

Packet hep3(const Packet& chunks) {
  Packet p = text("HEP3");
  be16(p, static_cast<std::uint16_t>(6 + chunks.size()));
  p.insert(p.end(), chunks.begin(), chunks.end());
  return p;
}

Bytes view(const Packet& p) { return Bytes(p.data(), p.size()); }

}  // namespace

TEST_CASE("HEPv3: addresses, ports, time, capture id and payload are read from their chunks", "[hep]") {
  const Packet bytes = hep3(ipv4_chunks());
  const HepPacket packet = decode_hep(view(bytes));
  REQUIRE(packet.error == HepError::none);
  CHECK(packet.version == 3);
  CHECK(packet.src.family == 4);
  CHECK(packet.src.bytes[0] == 10);
  CHECK(packet.src.bytes[3] == 1);
  CHECK(packet.dst.bytes[3] == 2);
  CHECK(packet.src_port == 5060);
  CHECK(packet.dst_port == 5080);
  CHECK(packet.ip_protocol == 17);
  CHECK(packet.has_timestamp);
  CHECK(packet.ts_ns == 1700000000'123456000);
  CHECK(packet.protocol_type == 1);
  CHECK(packet.capture_id == 2001);
  CHECK(packet.unknown_chunks == 0);
  CHECK(as_text(packet.payload) == kSip);
  // A view into the packet, not a copy.
  CHECK(packet.payload.data() >= bytes.data());
  CHECK(packet.payload.data() < bytes.data() + bytes.size());
}

TEST_CASE("HEPv3 over IPv6 with a key, a correlation id and vendor chunks", "[hep]") {
  Packet c;
  chunk(c, 0x0001, u8v(10));
  chunk(c, 0x0002, u8v(6));
  Packet a6(16, 0), b6(16, 0);
  a6[0] = 0x20;
  a6[1] = 0x01;
  a6[15] = 1;
  b6[0] = 0x20;
  b6[1] = 0x01;
  b6[15] = 2;
  chunk(c, 0x0005, a6);
  chunk(c, 0x0006, b6);
  chunk(c, 0x0007, u16v(5061));
  chunk(c, 0x0008, u16v(40000));
  chunk(c, 0x000b, u8v(1));
  chunk(c, 0x000e, text("secret"));
  chunk(c, 0x0011, text("abc@host"));
  chunk(c, 0x0020, u16v(400));               // MOS: known to HEP, not used here
  chunk(c, 0x0001, text("vendor"), 0x0003);  // a vendor's own chunk
  chunk(c, 0x000f, text(kSip));
  const Packet bytes = hep3(c);
  const HepPacket packet = decode_hep(view(bytes));
  REQUIRE(packet.error == HepError::none);
  CHECK(packet.src.family == 6);
  CHECK(packet.src.bytes[15] == 1);
  CHECK(packet.dst.bytes[15] == 2);
  CHECK(packet.ip_protocol == 6);
  CHECK_FALSE(packet.has_timestamp);
  CHECK(packet.auth_key == "secret");
  CHECK(packet.correlation_id == "abc@host");
  CHECK(packet.unknown_chunks == 2);
  CHECK(as_text(packet.payload) == kSip);
}

TEST_CASE("HEPv3 packets that cannot be trusted are refused by name", "[hep]") {
  CHECK(decode_hep(Bytes()).error == HepError::truncated);
  CHECK(decode_hep(view(text("HE"))).error == HepError::truncated);
  CHECK(decode_hep(view(text("HEP3"))).error == HepError::truncated);
  CHECK(decode_hep(view(text("GET / HTTP/1.1\r\n\r\n"))).error == HepError::unknown_version);

  Packet whole = hep3(ipv4_chunks());
  SECTION("total length longer than the datagram") {
    whole.pop_back();
    CHECK(decode_hep(view(whole)).error == HepError::truncated);
  }
  SECTION("total length shorter than its own header") {
    whole[4] = 0;
    whole[5] = 3;
    CHECK(decode_hep(view(whole)).error == HepError::bad_length);
  }
  SECTION("total length cutting a chunk in two") {
    whole[5] = static_cast<std::uint8_t>(whole[5] - 3);
    CHECK(decode_hep(view(whole)).error == HepError::bad_length);
  }
  SECTION("a chunk length below the chunk header") {
    whole[6 + 4] = 0;
    whole[6 + 5] = 5;
    CHECK(decode_hep(view(whole)).error == HepError::bad_length);
  }
  SECTION("a chunk running past the packet") {
    whole[6 + 5] = 200;
    CHECK(decode_hep(view(whole)).error == HepError::bad_length);
  }
  SECTION("trailing bytes after the total length are ignored") {
    whole.push_back(0xff);
    CHECK(decode_hep(view(whole)).error == HepError::none);
  }
}

TEST_CASE("HEPv3: missing or inconsistent fields", "[hep]") {
  auto without = [](std::uint16_t type) {
    Packet c;
    const Packet all = ipv4_chunks();
    for (std::size_t pos = 0; pos < all.size();) {
      const std::uint16_t t = static_cast<std::uint16_t>(all[pos + 2] << 8 | all[pos + 3]);
      const std::size_t len = static_cast<std::size_t>(all[pos + 4] << 8 | all[pos + 5]);
      if (t != type)
        c.insert(c.end(), all.begin() + static_cast<long>(pos), all.begin() + static_cast<long>(pos + len));
      pos += len;
    }
    return hep3(c);
  };
  CHECK(decode_hep(view(without(0x0003))).error == HepError::missing_addresses);
  CHECK(decode_hep(view(without(0x0008))).error == HepError::missing_addresses);
  CHECK(decode_hep(view(without(0x000f))).error == HepError::missing_payload);
  // Protocol type is what says SIP: without it the payload is not known to be SIP.
  CHECK(decode_hep(view(without(0x000b))).protocol_type == 0);
  // The family chunk is optional when one complete address pair says it.
  CHECK(decode_hep(view(without(0x0001))).error == HepError::none);
  // No timestamp: valid, the receiver uses the arrival time.
  CHECK_FALSE(decode_hep(view(without(0x0009))).has_timestamp);

  Packet c = ipv4_chunks();
  SECTION("family says IPv6 but the addresses are IPv4") {
    c[6] = 10;
    CHECK(decode_hep(view(hep3(c))).error == HepError::missing_addresses);
  }
  SECTION("unknown family") {
    c[6] = 7;
    CHECK(decode_hep(view(hep3(c))).error == HepError::bad_address_family);
  }
  SECTION("an IPv4 address chunk of 5 bytes") {
    Packet d;
    chunk(d, 0x0003, Packet{1, 2, 3, 4, 5});
    d.insert(d.end(), c.begin(), c.end());
    CHECK(decode_hep(view(hep3(d))).error == HepError::bad_address_family);
  }
  SECTION("a port chunk of 3 bytes") {
    Packet d;
    chunk(d, 0x0007, Packet{1, 2, 3});
    d.insert(d.end(), c.begin(), c.end());
    CHECK(decode_hep(view(hep3(d))).error == HepError::bad_length);
  }
  SECTION("an empty payload") {
    Packet d = without(0x000f);
    Packet e(d.begin() + 6, d.end());
    chunk(e, 0x000f, Packet{});
    CHECK(decode_hep(view(hep3(e))).error == HepError::missing_payload);
  }
  SECTION("only a compressed payload") {
    Packet d = without(0x000f);
    Packet e(d.begin() + 6, d.end());
    chunk(e, 0x0010, Packet{0x78, 0x9c, 1, 2, 3});
    CHECK(decode_hep(view(hep3(e))).error == HepError::compressed_payload);
  }
  SECTION("a non-SIP protocol type is read, not refused by the decoder") {
    Packet d = without(0x000b);
    Packet e(d.begin() + 6, d.end());
    chunk(e, 0x000b, u8v(5));  // RTCP
    const HepPacket packet = decode_hep(view(hep3(e)));
    CHECK(packet.error == HepError::none);
    CHECK(packet.protocol_type == 5);
  }
}

TEST_CASE("HEPv2 and HEPv1: fixed headers, v2 time in the sender's little-endian order", "[hep]") {
  Packet v2{2, 16, 2, 17};
  be16(v2, 5060);
  be16(v2, 5070);
  v2.insert(v2.end(), {192, 168, 1, 1, 192, 168, 1, 2});
  le32(v2, 1700000001);
  le32(v2, 500000);
  v2.insert(v2.end(), {0x34, 0x12, 0, 0});  // capture id 0x1234 (host order) and padding
  const Packet body = text(kSip);
  v2.insert(v2.end(), body.begin(), body.end());
  HepPacket packet = decode_hep(view(v2));
  REQUIRE(packet.error == HepError::none);
  CHECK(packet.version == 2);
  CHECK(packet.src.bytes[0] == 192);
  CHECK(packet.dst.bytes[3] == 2);
  CHECK(packet.src_port == 5060);
  CHECK(packet.dst_port == 5070);
  CHECK(packet.ts_ns == 1700000001'500000000);
  CHECK(packet.capture_id == 0x1234);
  CHECK(packet.protocol_type == kHepProtocolSip);
  CHECK(as_text(packet.payload) == kSip);

  Packet v1{1, 40, 10, 6};
  be16(v1, 5060);
  be16(v1, 5060);
  Packet a6(32, 0);
  a6[15] = 1;
  a6[31] = 2;
  v1.insert(v1.end(), a6.begin(), a6.end());
  v1.insert(v1.end(), body.begin(), body.end());
  packet = decode_hep(view(v1));
  REQUIRE(packet.error == HepError::none);
  CHECK(packet.version == 1);
  CHECK(packet.src.family == 6);
  CHECK(packet.dst.bytes[15] == 2);
  CHECK_FALSE(packet.has_timestamp);

  CHECK(decode_hep(view(Packet(v2.begin(), v2.begin() + 20))).error == HepError::truncated);
  CHECK(decode_hep(view(Packet(v2.begin(), v2.begin() + 5))).error == HepError::truncated);
  Packet bad_family = v2;
  bad_family[2] = 99;
  CHECK(decode_hep(view(bad_family)).error == HepError::bad_address_family);
  Packet no_payload(v2.begin(), v2.begin() + 8 + 8 + 12);
  CHECK(decode_hep(view(no_payload)).error == HepError::missing_payload);
}

TEST_CASE("HEPv3 stream framing reads the total length", "[hep]") {
  const Packet whole = hep3(ipv4_chunks());
  CHECK(hep_stream_packet_length(view(whole)) == static_cast<std::int64_t>(whole.size()));
  CHECK(hep_stream_packet_length(view(Packet(whole.begin(), whole.begin() + 3))) == 0);
  CHECK(hep_stream_packet_length(view(Packet(whole.begin(), whole.begin() + 5))) == 0);
  CHECK(hep_stream_packet_length(view(text("HEX3xx"))) == -1);
  CHECK(hep_stream_packet_length(view(Packet{'H', 'E', 'P', '3', 0, 2})) == -1);
}

TEST_CASE("sipmon's HEPv3 encoder writes what the decoder and the hand-built packet agree on", "[hep]") {
  Payload payload;
  payload.ts_ns = 1700000000'123456789;  // nanoseconds below the microsecond are not carried
  payload.transport = Transport::tcp;
  payload.src.bytes = {10, 0, 0, 1};
  payload.dst.bytes = {10, 0, 0, 2};
  payload.src_port = 5060;
  payload.dst_port = 5080;
  payload.bytes = Bytes(reinterpret_cast<const std::uint8_t*>(kSip.data()), kSip.size());
  std::vector<std::uint8_t> out(hep3_encoded_size(payload, {.capture_id = 7, .auth_key = "k"}));
  const std::size_t n = encode_hep3(payload, {.capture_id = 7, .auth_key = "k"}, out);
  REQUIRE(n == out.size());
  const HepPacket packet = decode_hep(Bytes(out.data(), n));
  REQUIRE(packet.error == HepError::none);
  CHECK(packet.ts_ns == 1700000000'123456000);
  CHECK(packet.ip_protocol == 6);
  CHECK(packet.capture_id == 7);
  CHECK(packet.auth_key == "k");
  CHECK(packet.src_port == 5060);
  CHECK(packet.dst.bytes[3] == 2);
  CHECK(as_text(packet.payload) == kSip);

  CHECK(encode_hep3(payload, {}, std::span<std::uint8_t>(out.data(), 10)) == 0);  // buffer too small

  // Byte for byte what the hand-built packet holds for the same message.
  payload.transport = Transport::udp;
  payload.ts_ns = 1700000000'123456000;
  std::vector<std::uint8_t> plain(hep3_encoded_size(payload, {.capture_id = 2001, .auth_key = {}}));
  REQUIRE(encode_hep3(payload, {.capture_id = 2001, .auth_key = {}}, plain) == plain.size());
  CHECK(plain == hep3(ipv4_chunks()));
}
