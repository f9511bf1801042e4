#include <catch2/catch.hpp>

#include <vector>

#include "analysis/packet_decoder.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

struct CollectingSink : PayloadSink {
  std::vector<std::string> payloads;
  std::vector<Payload> meta;
  void on_payload(const Payload& payload) override {
    payloads.emplace_back(as_text(payload.bytes));
    meta.push_back(payload);
  }
};

}  // namespace

TEST_CASE("UDP payload is handed over with ports and addresses", "[decoder]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const auto frame = sip_udp_frame("OPTIONS", UdpSpec{.src_port = 5070, .dst_port = 5060});
  REQUIRE(decoder.decode(make_frame(frame, LinkType::ethernet, 42), sink) == FrameOutcome::none);
  REQUIRE(sink.payloads.size() == 1);
  CHECK(sink.payloads[0] == "OPTIONS");
  CHECK(sink.meta[0].src_port == 5070);
  CHECK(sink.meta[0].dst_port == 5060);
  CHECK(sink.meta[0].ts_ns == 42);
  CHECK(sink.meta[0].transport == Transport::udp);
}

TEST_CASE("the UDP length, not the frame, bounds the payload", "[decoder]") {
  PacketDecoder decoder;
  CollectingSink sink;
  auto ip = udp_ip_packet("SIP");
  ip.insert(ip.end(), {0, 0, 0});                // bytes after the datagram (padding)
  ip[3] = static_cast<std::uint8_t>(ip.size());  // IP says they belong to it; UDP does not
  REQUIRE(decoder.decode(make_frame(ethernet(ip, false)), sink) == FrameOutcome::none);
  CHECK(sink.payloads.at(0) == "SIP");
}

TEST_CASE("a UDP length beyond the datagram is malformed unless the capture was cut", "[decoder]") {
  PacketDecoder decoder;
  CollectingSink sink;
  auto ip = udp_ip_packet("SIP");
  ip[20 + 5] = 200;  // UDP length 200 in a 31-byte datagram
  CHECK(decoder.decode(make_frame(ethernet(ip, false)), sink) == FrameOutcome::bad_udp_length);
  auto short_udp = udp_ip_packet("SIP");
  short_udp[20 + 5] = 4;  // shorter than its own header
  CHECK(decoder.decode(make_frame(ethernet(short_udp, false)), sink) == FrameOutcome::bad_udp_length);
  CHECK(sink.payloads.empty());
}

TEST_CASE("transports not decoded yet are named, not dropped", "[decoder]") {
  PacketDecoder decoder;
  CollectingSink sink;
  auto ip = udp_ip_packet("x");
  ip[9] = ip_protocol::kEsp;
  CHECK(decoder.decode(make_frame(ethernet(ip, false)), sink) == FrameOutcome::encrypted_ipsec);
  ip[9] = 99;
  CHECK(decoder.decode(make_frame(ethernet(ip, false)), sink) == FrameOutcome::other_ip_protocol);
  auto truncated = ethernet(udp_ip_packet("x"), false);
  truncated.resize(14 + 20 + 4);
  CHECK(decoder.decode(make_frame(truncated), sink) == FrameOutcome::truncated_udp_header);
}

TEST_CASE("Linux cooked v2 and IPv6 reach the payload", "[decoder]") {
  PacketDecoder decoder;
  CollectingSink sink;
  const auto ip = udp_ip_packet("SIP/2.0 200 OK", UdpSpec{.ipv6 = true});
  REQUIRE(decoder.decode(make_frame(linux_sll2(ip, true), LinkType::linux_sll2), sink) == FrameOutcome::none);
  CHECK(sink.payloads.at(0) == "SIP/2.0 200 OK");
  CHECK(sink.meta.at(0).src.family == 6);
}

// --- The fast path for Ethernet/IPv4/UDP (issue 26) ---
// PacketDecoder reads the usual shape straight-line and leaves every other frame to the general
// path. The general path is the reference: a frame it must take (a VLAN tag, IPv4 options) hands
// on the same payload as the plain frame, and every frame the fast path must refuse keeps the
// outcome worked out here by hand from the general path's rules.

namespace {

// A payload with its bytes and frame numbers copied (the decoder's views die with the call).
struct SeenPayload {
  std::int64_t ts_ns = 0;
  Transport transport = Transport::udp;
  IpAddress src;
  IpAddress dst;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  bool truncated = false;
  std::string bytes;
  std::vector<FrameNumber> origin;
  bool origin_incomplete = false;

  friend bool operator==(const SeenPayload&, const SeenPayload&) = default;
};

struct CopyingSink : PayloadSink {
  std::vector<SeenPayload> seen;
  void on_payload(const Payload& p) override {
    seen.push_back(SeenPayload{
        p.ts_ns, p.transport, p.src, p.dst, p.src_port, p.dst_port, p.truncated, std::string(as_text(p.bytes)),
        std::vector<FrameNumber>(p.origin.frames.begin(), p.origin.frames.end()), p.origin.incomplete});
  }
};

struct Decoded {
  FrameOutcome outcome = FrameOutcome::none;
  std::vector<SeenPayload> payloads;
};

DecoderLimits tracking_frames() {
  DecoderLimits limits;
  limits.track_frames = true;
  return limits;
}

// One frame through a fresh decoder that tracks frames (so that the origin is compared too).
Decoded decode_alone(const std::vector<std::uint8_t>& frame, LinkType link = LinkType::ethernet,
                     DecoderLimits limits = tracking_frames()) {
  PacketDecoder decoder(limits);
  CopyingSink sink;
  const FrameOutcome outcome = decoder.decode(make_frame(frame, link, 77), sink);
  return {outcome, std::move(sink.seen)};
}

// Inserts IPv4 options (whole 4-byte words) and fixes the header and total lengths.
std::vector<std::uint8_t> with_ipv4_options(std::vector<std::uint8_t> ip, const std::vector<std::uint8_t>& options) {
  ip.insert(ip.begin() + 20, options.begin(), options.end());
  ip[0] = static_cast<std::uint8_t>(0x40 | (20 + options.size()) / 4);
  const std::size_t total = (std::size_t{ip[2]} << 8 | ip[3]) + options.size();
  ip[2] = static_cast<std::uint8_t>(total >> 8);
  ip[3] = static_cast<std::uint8_t>(total);
  return ip;
}

// Eight bytes that read as a UDP header (5060 -> 5060, length 8: no payload). Placed where a
// decoder that misjudged the IP header would look for UDP, they make its mistake a payload that
// is handed on, not a malformed header that the general path takes back.
const std::vector<std::uint8_t> kDecoyUdpHeader = {0x13, 0xc4, 0x13, 0xc4, 0x00, 0x08, 0x00, 0x00};

std::vector<std::uint8_t> prefixed(std::vector<std::uint8_t> head, const std::vector<std::uint8_t>& ip) {
  head.insert(head.end(), ip.begin(), ip.end());
  return head;
}

constexpr std::string_view kInvite = "INVITE sip:bob@example.com SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n";

}  // namespace

TEST_CASE("every link header in front of a plain IPv4/UDP datagram hands on what the general path does",
          "[decoder][fast_path]") {
  const auto ip = udp_ip_packet(kInvite, UdpSpec{.src_port = 5080, .dst_port = 5060, .src_last_octet = 9});
  // The reference: a VLAN tag (and, below, an IPv4 option) is not the plain shape.
  const Decoded reference = decode_alone(ethernet(ip, false, {0x8100}));
  REQUIRE(reference.outcome == FrameOutcome::none);
  REQUIRE(reference.payloads.size() == 1);
  const SeenPayload& expected = reference.payloads[0];
  CHECK(expected.bytes == kInvite);
  CHECK(expected.src.bytes[3] == 9);
  CHECK(expected.src.family == 4);
  CHECK(expected.origin == std::vector<FrameNumber>{1});

  const std::vector<std::pair<LinkType, std::vector<std::uint8_t>>> frames = {
      {LinkType::ethernet, ethernet(ip, false)},
      {LinkType::ethernet, ethernet(ip, false, {0x88a8, 0x8100})},
      {LinkType::linux_sll, linux_sll(ip, false)},
      {LinkType::linux_sll2, linux_sll2(ip, false)},
      {LinkType::null_bsd, prefixed({2, 0, 0, 0}, ip)},  // written little-endian
      {LinkType::null_bsd, prefixed({0, 0, 0, 2}, ip)},  // written big-endian
      {LinkType::loop, prefixed({0, 0, 0, 2}, ip)},
      {LinkType::raw, ip},
      {LinkType::ipv4, ip},
  };
  for (const auto& [link, frame] : frames) {
    INFO("link type " << static_cast<std::uint32_t>(link) << ", " << frame.size() << " bytes");
    const Decoded decoded = decode_alone(frame, link);
    CHECK(decoded.outcome == FrameOutcome::none);
    REQUIRE(decoded.payloads.size() == 1);
    CHECK(decoded.payloads[0] == expected);
  }
  // Options move the UDP header, nothing else: four NOPs, and options whose bytes (NOP, then end
  // of list and padding) would read as a UDP header where one without options begins.
  for (const auto& options : {std::vector<std::uint8_t>{1, 1, 1, 1}, kDecoyUdpHeader}) {
    const Decoded with_options = decode_alone(ethernet(with_ipv4_options(ip, options), false));
    REQUIRE(with_options.payloads.size() == 1);
    CHECK(with_options.payloads[0] == expected);
  }
  // Without frame tracking the origin stays empty on both paths.
  const Decoded untracked = decode_alone(ethernet(ip, false), LinkType::ethernet, DecoderLimits{});
  REQUIRE(untracked.payloads.size() == 1);
  CHECK(untracked.payloads[0].origin.empty());
  CHECK(untracked.payloads[0].bytes == kInvite);
}

TEST_CASE("IPv4 headers the fast path must leave to the general path keep their outcomes", "[decoder][fast_path]") {
  const auto ip = udp_ip_packet(kInvite);
  auto bad_ihl = ip;
  bad_ihl[0] = 0x44;  // 16-byte header
  CHECK(decode_alone(ethernet(bad_ihl, false)).outcome == FrameOutcome::bad_ipv4_header);
  auto long_ihl = udp_ip_packet("x");
  long_ihl[0] = 0x4f;  // a 60-byte header in a 29-byte datagram
  CHECK(decode_alone(ethernet(long_ihl, false)).outcome == FrameOutcome::bad_ipv4_header);
  auto short_total = ip;
  short_total[2] = 0;
  short_total[3] = 19;  // less than the header
  CHECK(decode_alone(ethernet(short_total, false)).outcome == FrameOutcome::bad_ipv4_header);
  auto header_cut = ip;
  header_cut.resize(60);
  header_cut[0] = 0x4f;
  header_cut[2] = 0;
  header_cut[3] = 64;  // a 60-byte header, and the 4 bytes after it not captured: no UDP header
  CHECK(decode_alone(ethernet(header_cut, false)).outcome == FrameOutcome::truncated_udp_header);
  auto version6 = ip;
  version6[0] = 0x65;  // an IPv4 ethertype in front of version 6
  CHECK(decode_alone(ethernet(version6, false)).outcome == FrameOutcome::ip_version_mismatch);
  CHECK(decode_alone(version6, LinkType::ipv4).outcome == FrameOutcome::ip_version_mismatch);
  auto short_ip = ip;
  short_ip.resize(19);
  CHECK(decode_alone(ethernet(short_ip, false)).outcome == FrameOutcome::truncated_ipv4_header);
  CHECK(decode_alone({}, LinkType::raw).outcome == FrameOutcome::truncated_ipv4_header);
  auto tcp = udp_ip_packet("");
  tcp[9] = ip_protocol::kTcp;  // the 8-byte UDP header read as TCP's: too short for one
  CHECK(decode_alone(ethernet(tcp, false)).outcome == FrameOutcome::truncated_tcp_header);
  auto runt = ethernet(ip, false);
  runt.resize(13);
  CHECK(decode_alone(runt).outcome == FrameOutcome::truncated_link_header);
}

TEST_CASE("fragments still go to the reassembler, not past it", "[decoder][fast_path]") {
  const auto whole = udp_ip_packet(kInvite, UdpSpec{.src_port = 5070});
  const auto pieces = ipv4_fragments(whole, 24);
  REQUIRE(pieces.size() > 2);
  PacketDecoder decoder;
  CopyingSink sink;
  for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
    CHECK(decoder.decode(make_frame(ethernet(pieces[i], false)), sink) == FrameOutcome::ip_fragment_buffered);
  }
  // The last piece: MF clear, offset set. Alone it looks almost plain.
  CHECK(decoder.decode(make_frame(ethernet(pieces.back(), false)), sink) == FrameOutcome::none);
  REQUIRE(sink.seen.size() == 1);
  CHECK(sink.seen[0].bytes == kInvite);
  CHECK(sink.seen[0].src_port == 5070);
  // A lone first piece is held, never handed on as a short datagram.
  PacketDecoder fresh;
  CopyingSink nothing;
  CHECK(fresh.decode(make_frame(ethernet(pieces.front(), false)), nothing) == FrameOutcome::ip_fragment_buffered);
  CHECK(nothing.seen.empty());
}

TEST_CASE("pieces that would read as whole datagrams are still held", "[decoder][fast_path]") {
  // UDP length zero (the IP length rules): a first piece read as a whole datagram would be a
  // plausible payload. Only the MF flag says it is not.
  auto zero_length = udp_ip_packet(kInvite);
  zero_length[20 + 4] = zero_length[20 + 5] = 0;
  // A later piece that starts with what reads as a UDP header: only the offset says it is a piece.
  std::string decoy_inside(kInvite.substr(0, 16));
  decoy_inside.append(kDecoyUdpHeader.begin(), kDecoyUdpHeader.end());
  decoy_inside.append(kInvite.substr(16));
  for (const auto& [whole, piece] :
       {std::pair{zero_length, std::size_t{0}}, std::pair{udp_ip_packet(decoy_inside), std::size_t{1}}}) {
    const auto pieces = ipv4_fragments(whole, 24);
    REQUIRE(pieces.size() > piece + 1);
    INFO("piece " << piece);
    const Decoded alone = decode_alone(ethernet(pieces[piece], false));
    CHECK(alone.outcome == FrameOutcome::ip_fragment_buffered);
    CHECK(alone.payloads.empty());
  }
}

TEST_CASE("UDP lengths the fast path must leave to the general path keep their outcomes", "[decoder][fast_path]") {
  const auto ip = udp_ip_packet(kInvite);
  const std::size_t udp_length_at = 20 + 4;
  auto zero = ip;
  zero[udp_length_at] = zero[udp_length_at + 1] = 0;  // the IP length rules
  const Decoded jumbo = decode_alone(ethernet(zero, false));
  REQUIRE(jumbo.payloads.size() == 1);
  CHECK(jumbo.payloads[0].bytes == kInvite);
  auto too_long = ip;
  too_long[udp_length_at + 1] = static_cast<std::uint8_t>(too_long[udp_length_at + 1] + 1);
  CHECK(decode_alone(ethernet(too_long, false)).outcome == FrameOutcome::bad_udp_length);
  auto too_short = ip;
  too_short[udp_length_at] = 0;
  too_short[udp_length_at + 1] = 7;
  CHECK(decode_alone(ethernet(too_short, false)).outcome == FrameOutcome::bad_udp_length);
  auto shorter = ip;
  shorter[udp_length_at] = 0;
  shorter[udp_length_at + 1] = 8 + 6;  // a UDP length inside the datagram bounds the payload
  const Decoded bounded = decode_alone(ethernet(shorter, false));
  REQUIRE(bounded.payloads.size() == 1);
  CHECK(bounded.payloads[0].bytes == "INVITE");
  // Ethernet pads short frames: bytes past the IP length are not payload.
  auto padded = ethernet(udp_ip_packet("x"), false);
  padded.resize(60, 0xee);
  const Decoded runt = decode_alone(padded);
  REQUIRE(runt.payloads.size() == 1);
  CHECK(runt.payloads[0].bytes == "x");
  CHECK_FALSE(runt.payloads[0].truncated);
}

TEST_CASE("a frame cut by the snap length is handed on as truncated", "[decoder][fast_path]") {
  auto frame = ethernet(udp_ip_packet(kInvite), false);
  frame.resize(frame.size() - 5);
  const Decoded cut = decode_alone(frame);
  REQUIRE(cut.payloads.size() == 1);
  CHECK(cut.payloads[0].truncated);
  CHECK(cut.payloads[0].bytes == kInvite.substr(0, kInvite.size() - 5));
}

TEST_CASE("UDP on a tunnel port is left to the tunnel decoders", "[decoder][fast_path]") {
  // VXLAN around a plain inner frame: the inner endpoints, not the tunnel's.
  const auto inner = ethernet(udp_ip_packet(kInvite, UdpSpec{.src_last_octet = 7, .dst_last_octet = 8}), false);
  std::string vxlan{'\x08', 0, 0, 0, 0, 0, 0x2a, 0};
  vxlan.append(inner.begin(), inner.end());
  for (const std::uint16_t port : {kVxlanPort, std::uint16_t{8472}}) {
    INFO("VXLAN on port " << port);
    DecoderLimits limits;
    limits.vxlan_port = port;
    const Decoded tunnelled =
        decode_alone(ethernet(udp_ip_packet(vxlan, UdpSpec{.src_port = 40000, .dst_port = port}), false),
                     LinkType::ethernet, limits);
    REQUIRE(tunnelled.payloads.size() == 1);
    CHECK(tunnelled.payloads[0].bytes == kInvite);
    CHECK(tunnelled.payloads[0].src.bytes[3] == 7);
    CHECK(tunnelled.payloads[0].dst.bytes[3] == 8);
  }
  // Not a tunnel after all: an ordinary payload on that port.
  for (const std::uint16_t port : {kVxlanPort, kGtpUserPort}) {
    INFO("SIP on port " << port);
    const Decoded plain = decode_alone(ethernet(udp_ip_packet(kInvite, UdpSpec{.src_port = port}), false));
    REQUIRE(plain.payloads.size() == 1);
    CHECK(plain.payloads[0].bytes == kInvite);
    CHECK(plain.payloads[0].src_port == port);
  }
  // A depth limit below zero refuses even the outermost datagram.
  DecoderLimits no_depth;
  no_depth.max_tunnel_depth = -1;
  CHECK(decode_alone(sip_udp_frame("x"), LinkType::ethernet, no_depth).outcome == FrameOutcome::tunnel_too_deep);
}

TEST_CASE("IPv6 behind every link header takes the general path", "[decoder][fast_path]") {
  const auto ip = udp_ip_packet(kInvite, UdpSpec{.ipv6 = true});
  for (const auto& [link, frame] : std::vector<std::pair<LinkType, std::vector<std::uint8_t>>>{
           {LinkType::ethernet, ethernet(ip, true)},
           {LinkType::linux_sll, linux_sll(ip, true)},
           {LinkType::raw, ip},
           {LinkType::ipv6, ip},
           {LinkType::null_bsd, prefixed({30, 0, 0, 0}, ip)},
       }) {
    INFO("link type " << static_cast<std::uint32_t>(link));
    const Decoded decoded = decode_alone(frame, link);
    REQUIRE(decoded.payloads.size() == 1);
    CHECK(decoded.payloads[0].src.family == 6);
    CHECK(decoded.payloads[0].bytes == kInvite);
  }
  // An IPv4 datagram behind an IPv6 link header is a version mismatch, not a plain datagram.
  CHECK(decode_alone(udp_ip_packet(kInvite), LinkType::ipv6).outcome == FrameOutcome::ip_version_mismatch);
}
