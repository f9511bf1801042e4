// Media endpoints tied to calls, through the whole engine: SDP offer/answer, RTP and RTCP frames.
#include <catch2/catch.hpp>

#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "analysis/engine.h"
#include "analysis/mos.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kT0 = 1'700'000'000'000'000'000;

std::string sdp(std::string_view address, int port, std::string_view extra = "") {
  return "v=0\r\no=- 1 1 IN IP4 " + std::string(address) + "\r\ns=-\r\nc=IN IP4 " + std::string(address) +
         "\r\nt=0 0\r\nm=audio " + std::to_string(port) + " RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n" +
         std::string(extra);
}

std::string message(std::string_view start, std::string_view cseq, bool to_tag, std::string_view body,
                    std::string_view call_id = "media-1") {
  std::string text = std::string(start) + "\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" +
                     std::string(cseq.substr(0, 1)) + "\r\nFrom: <sip:a@x>;tag=caller\r\nTo: <sip:b@x>" +
                     (to_tag ? ";tag=callee" : "") + "\r\nCall-ID: " + std::string(call_id) +
                     "\r\nCSeq: " + std::string(cseq) + "\r\n";
  if (!body.empty()) text += "Content-Type: application/sdp\r\n";
  return text + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

std::string rtp(std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc, std::uint8_t pt = 0) {
  std::string p(12 + 160, '\xd5');
  p[0] = '\x80';
  p[1] = static_cast<char>(pt);
  p[2] = static_cast<char>(seq >> 8);
  p[3] = static_cast<char>(seq & 0xff);
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<char>(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<char>(ssrc >> (24 - 8 * i));
  return p;
}

void put32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (24 - 8 * i));
}

struct Call {
  Engine engine;
  std::int64_t t = kT0;
  explicit Call(EngineConfig config = {}) : engine(std::move(config)) {}

  void sip(const std::string& text, bool from_caller) {
    const UdpSpec spec{.src_last_octet = std::uint8_t(from_caller ? 1 : 2),
                       .dst_last_octet = std::uint8_t(from_caller ? 2 : 1)};
    engine.on_frame(make_frame(sip_udp_frame(text, spec), LinkType::ethernet, t));
  }
  void udp(const std::string& payload, bool from_caller, std::uint16_t src_port, std::uint16_t dst_port) {
    const UdpSpec spec{.src_port = src_port,
                       .dst_port = dst_port,
                       .src_last_octet = std::uint8_t(from_caller ? 1 : 2),
                       .dst_last_octet = std::uint8_t(from_caller ? 2 : 1)};
    engine.on_frame(make_frame(sip_udp_frame(payload, spec), LinkType::ethernet, t));
  }
  void answer() {
    sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp("10.0.0.1", 40000)), true);
    t += 100 * kMs;
    sip(message("SIP/2.0 200 OK", "1 INVITE", true, sdp("10.0.0.2", 50000)), false);
    t += 10 * kMs;
    sip(message("ACK sip:b@10.0.0.2 SIP/2.0", "1 ACK", true, ""), true);
  }
  // `n` packets each way (or one way), 20 ms apart, on time.
  void talk(int n, bool forward = true, bool backward = true, std::uint16_t callee_port = 50000) {
    for (int i = 0; i < n; ++i) {
      if (forward) udp(rtp(static_cast<std::uint16_t>(100 + i), 160u * i, 0xaaaa), true, 40000, callee_port);
      if (backward) udp(rtp(static_cast<std::uint16_t>(900 + i), 160u * i, 0xbbbb), false, callee_port, 40000);
      t += 20 * kMs;
    }
  }
  void bye() { sip(message("BYE sip:b@10.0.0.2 SIP/2.0", "2 BYE", true, ""), true); }
};

}  // namespace

TEST_CASE("media: RTP to the endpoints of an offer/answer is measured per direction", "[media]") {
  Call call;
  call.answer();
  call.talk(50);
  call.bye();
  const Report report = call.engine.report();
  REQUIRE(report.media);
  CHECK(report.media->streams == 2);
  CHECK(report.media->packets == 100);
  CHECK(report.media->expected == 100);
  CHECK(report.media->lost == 0);
  CHECK(report.media->one_way_calls == 0);
  REQUIRE(report.media->mos);
  CHECK(report.media->mos->min == Approx(4.409).epsilon(1e-3));  // clean G.711: R = 93.2
  REQUIRE(report.media->start_delay_ms);
  CHECK(report.media->start_delay_ms->max == Approx(10.0));  // 2xx at t, ACK +10 ms, first RTP then
  CHECK(report.capture.outcomes[FrameOutcome::rtp] == 100);
  CHECK(report.capture.non_sip == 100);
  CHECK(report.capture.sip_packets == 4);
}

TEST_CASE("media: --no-media counts the signalling alone, the same, and no packet as RTP", "[media]") {
  EngineConfig config;
  config.measure_media = false;  // --no-media
  Call signalling(config), whole;
  for (Call* call : {&signalling, &whole}) {
    call->answer();
    call->talk(50);
    call->t += 11'000 * kMs;  // silent past the media timeout: a no-media call, if media were judged
    call->bye();
    call->sip(message("SIP/2.0 200 OK", "2 BYE", true, ""), false);
  }
  const Report off = signalling.engine.report();
  const Report on = whole.engine.report();
  REQUIRE(on.media);  // the same traffic measured: streams and packets to lose
  CHECK(on.media->streams == 2);
  CHECK(on.capture.outcomes[FrameOutcome::rtp] == 100);
  CHECK_FALSE(off.media);  // no section at all, rather than a call judged without media
  // Nothing was learnt from the SDP either: no media call, no endpoint (the measured call's
  // linger after its BYE has not passed).
  CHECK(signalling.engine.media().call_count() == 0);
  CHECK(signalling.engine.media().endpoint_count() == 0);
  CHECK(whole.engine.media().call_count() == 1);
  CHECK(whole.engine.media().endpoint_count() == 2);
  CHECK(off.capture.outcomes[FrameOutcome::rtp] == 0);
  // The RTP goes to ports SIP does not use: counted as payloads that are not SIP.
  CHECK(off.capture.outcomes[FrameOutcome::payload_not_sip] == 100);
  CHECK(off.capture.sip_packets == on.capture.sip_packets);
  CHECK(off.requests.standard == on.requests.standard);
  CHECK(off.responses.total() == on.responses.total());
  REQUIRE(off.rfc6076);
  REQUIRE(on.rfc6076);
  CHECK(off.rfc6076->sessions.established == 1);
  CHECK(off.rfc6076->sessions.completed == 1);
  CHECK(on.rfc6076->sessions.completed == 1);
  // No media table is even listed: nothing in them to evict.
  CHECK_FALSE(off.table_evictions.listed(EvictingTable::media_endpoints));
  CHECK(on.table_evictions.listed(EvictingTable::media_endpoints));
}

TEST_CASE("media: a call with RTP in one direction only is one-way, with none no-media", "[media]") {
  Call one_way;
  one_way.answer();
  one_way.talk(600, true, false);  // 12 s: past the 10 s media timeout
  one_way.bye();
  CHECK(one_way.engine.report().media->one_way_calls == 1);
  CHECK(one_way.engine.report().media->no_media_calls == 0);

  Call silent;
  silent.answer();
  silent.t += 11'000 * kMs;
  silent.bye();
  CHECK(silent.engine.report().media->no_media_calls == 1);

  Call short_call;  // shorter than the timeout: not judged
  short_call.answer();
  short_call.t += 2'000 * kMs;
  short_call.bye();
  CHECK(short_call.engine.report().media->no_media_calls == 0);

  EngineConfig config;
  config.media.media_timeout_ns = 1'000 * kMs;  // --media-timeout 1
  Call quick(config);
  quick.answer();
  quick.t += 2'000 * kMs;
  quick.bye();
  CHECK(quick.engine.report().media->no_media_calls == 1);
}

TEST_CASE("media: a re-INVITE moves the callee's endpoint", "[media]") {
  Call call;
  call.answer();
  call.talk(10);
  call.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "3 INVITE", true, sdp("10.0.0.1", 40000)), true);
  call.sip(message("SIP/2.0 200 OK", "3 INVITE", true, sdp("10.0.0.2", 52000)), false);
  call.udp(rtp(500, 0, 0xcccc), true, 40000, 50000);  // the old port: no longer media
  call.talk(10, true, false, 52000);
  const Report report = call.engine.report();
  CHECK(report.media->packets == 30);
  CHECK(report.capture.outcomes[FrameOutcome::payload_not_sip] == 1);
}

TEST_CASE("media: losses, RFC 4733 events and the E-model", "[media]") {
  Call call;
  call.answer();
  for (int i = 0; i < 100; ++i) {
    if (i % 10 == 5) continue;  // 10 % random-like loss, single packets
    call.udp(rtp(static_cast<std::uint16_t>(i), 160u * i, 0xaaaa), true, 40000, 50000);
    call.t += 20 * kMs;
  }
  for (int i = 0; i < 6; ++i)
    call.udp(rtp(static_cast<std::uint16_t>(100 + i), i < 3 ? 16000 : 16800, 0xaaaa, 101), true, 40000, 50000);
  const Report report = call.engine.report();
  CHECK(report.media->packets == 96);
  CHECK(report.media->lost == 10);
  CHECK(report.media->dtmf_events == 2);
  // Expected 106 (0..105), Ppl = 1000/106 %; one loss per burst: BurstR = 1 / (10/96 + 1) -> 1.
  const double ppl = 1000.0 / 106;
  const double r = 93.2 - 95.0 * ppl / (ppl + 25.1);
  CHECK(report.media->mos->min == Approx(mos_from_r(r)).epsilon(1e-9));
}

TEST_CASE("media: RTCP SR then RR gives the round trip that lowers the MOS", "[media]") {
  Call call;
  call.answer();
  call.talk(5, false, true);  // callee -> caller stream, SSRC 0xbbbb
  // SR from the callee (to the caller's RTCP port 40001): NTP 0x00010002:0x00030000 -> middle 0x00020003.
  std::string sr(28, '\0');
  sr[0] = '\x80';
  sr[1] = '\xc8';
  sr[3] = 6;
  put32(sr, 4, 0xbbbb);
  put32(sr, 8, 0x00010002);
  put32(sr, 12, 0x00030000);
  call.udp(sr, false, 50001, 40001);
  call.t += 700 * kMs;
  // RR from the caller (to the callee's RTCP port 50001) about 0xbbbb: LSR echoed, DLSR 0.1 s.
  std::string rr(32, '\0');
  rr[0] = '\x81';
  rr[1] = '\xc9';
  rr[3] = 7;
  put32(rr, 4, 0xaaaa);
  put32(rr, 8, 0xbbbb);
  put32(rr, 24, 0x00020003);
  put32(rr, 28, 65536 / 10);
  call.udp(rr, true, 40001, 50001);
  const Report report = call.engine.report();
  CHECK(report.media->rtcp_packets == 2);
  CHECK(report.capture.outcomes[FrameOutcome::rtcp] == 2);
  // RTT = 0.7 - 0.1 = 0.6 s (DLSR rounds to 6553/65536 s): Ta = 300 ms.
  const double dlsr_s = 6553.0 / 65536.0;
  EModelInput input{.codec = Codec::pcmu, .one_way_delay_ms = (700.0 - dlsr_s * 1000) / 2};
  CHECK(report.media->mos->min == Approx(emodel_mos(input)).epsilon(1e-6));
  CHECK(report.media->mos->min < 4.0);
}

TEST_CASE("media: no SDP, no media, but --rtp-heuristic finds the streams", "[media]") {
  Call plain;
  for (int i = 0; i < 5; ++i) plain.udp(rtp(static_cast<std::uint16_t>(i), 160u * i, 1), true, 40000, 50000);
  CHECK_FALSE(plain.engine.report().media);
  CHECK(plain.engine.report().capture.outcomes[FrameOutcome::payload_not_sip] == 5);

  EngineConfig config;
  config.media.rtp_heuristic = true;
  Call heuristic(config);
  for (int i = 0; i < 5; ++i) heuristic.udp(rtp(static_cast<std::uint16_t>(i), 160u * i, 1), true, 40000, 50000);
  heuristic.udp(rtp(7, 0, 2), true, 40002, 50002);  // a single packet: not reported as a stream
  const Report report = heuristic.engine.report();
  REQUIRE(report.media);
  CHECK(report.media->streams == 1);
  CHECK(report.media->heuristic_streams == 1);
  CHECK(report.media->packets == 5);
}

TEST_CASE("media: the stream table is bounded and evictions keep the figures", "[media]") {
  EngineConfig config;
  config.media.max_streams = 1;
  Call call(config);
  call.answer();
  call.talk(3);  // two streams through a table of one: each new one evicts the other
  const Report report = call.engine.report();
  CHECK(report.table_evictions[EvictingTable::media_streams] >= 1);
  CHECK(report.media->packets == 6);
}

TEST_CASE("media: IPv6 endpoints, and RTP inside a GRE tunnel", "[media]") {
  Engine engine;
  std::int64_t t = kT0;
  auto send = [&](const std::string& payload, bool from_caller, std::uint16_t sport, std::uint16_t dport, bool ipv6,
                  bool tunnel) {
    const UdpSpec spec{.ipv6 = ipv6,
                       .src_port = sport,
                       .dst_port = dport,
                       .src_last_octet = std::uint8_t(from_caller ? 1 : 2),
                       .dst_last_octet = std::uint8_t(from_caller ? 2 : 1)};
    const auto inner = udp_ip_packet(payload, spec);
    const auto frame = tunnel ? ethernet(ip_packet(47, gre(ipv6 ? 0x86dd : 0x0800, inner),
                                                   IpSpec{.src_last_octet = 100, .dst_last_octet = 101}),
                                         false)
                              : ethernet(inner, ipv6);
    engine.on_frame(make_frame(frame, LinkType::ethernet, t));
    t += 20 * kMs;
  };
  auto sdp6 = [](std::string_view address, int port) {
    return "v=0\r\no=- 1 1 IN IP6 " + std::string(address) + "\r\ns=-\r\nc=IN IP6 " + std::string(address) +
           "\r\nt=0 0\r\nm=audio " + std::to_string(port) + " RTP/AVP 8\r\n";
  };
  send(message("INVITE sip:b@x SIP/2.0", "1 INVITE", false, sdp6("2001:db8::1", 40000), "v6"), true, 5060, 5060, true,
       false);
  send(message("SIP/2.0 200 OK", "1 INVITE", true, sdp6("2001:db8::2", 50000), "v6"), false, 5060, 5060, true, false);
  for (int i = 0; i < 10; ++i)
    send(rtp(static_cast<std::uint16_t>(i), 160u * i, 0x66, 8), true, 40000, 50000, true, false);
  // The same call's other direction, carried in GRE (as an ERSPAN or GRE mirror would).
  for (int i = 0; i < 10; ++i)
    send(rtp(static_cast<std::uint16_t>(i), 160u * i, 0x77, 8), false, 50000, 40000, true, true);
  const Report report = engine.report();
  REQUIRE(report.media);
  CHECK(report.media->streams == 2);
  CHECK(report.media->packets == 20);
  CHECK(report.media->lost == 0);
}

// Lifetime of a call's entries (docs/media.md, "Lifetime"): freed 5 s (T4) after the call ends,
// Timer C after an INVITE nobody answered. Counts worked out from the messages sent: an answered
// call holds 2 endpoint entries (each side's RTP port, holding its RTCP port + 1: 4 ports
// watched) and 1 call entry.
namespace {

constexpr std::int64_t kLinger = 5'000 * kMs;

// The endpoints a live capture is told to watch (as the kernel filter's media map is), with what
// it was last told arrives at each.
struct WatchedEndpoints final : MediaEndpointObserver {
  std::map<std::pair<std::uint8_t, std::uint16_t>, MediaEndpointPayloads> watched;  // (address's last byte, port)
  int removed = 0;
  void media_endpoint_added(const IpAddress& address, std::uint16_t port,
                            const MediaEndpointPayloads& payloads) override {
    watched[{address.bytes[3], port}] = payloads;
  }
  void media_endpoint_removed(const IpAddress& address, std::uint16_t port) override {
    CHECK(watched.erase({address.bytes[3], port}) == 1);  // only what was added
    ++removed;
  }
};

struct Watched : Call {
  WatchedEndpoints* endpoints;
  explicit Watched(WatchedEndpoints& w, EngineConfig config = {})
      : Call([&] {
          config.media.endpoint_observer = &w;
          return config;
        }()),
        endpoints(&w) {}
  const MediaTracker& media() const { return engine.media(); }
  // Moves the packet clock to `at` with a datagram that is neither SIP nor media.
  void at(std::int64_t when) {
    t = when;
    udp("not sip", true, 7000, 7001);
  }
};

}  // namespace

TEST_CASE("media lifetime: a call ended by BYE is freed after the linger, with its streams", "[media]") {
  WatchedEndpoints w;
  Watched call(w);
  call.answer();
  call.talk(10);
  call.bye();
  const std::int64_t bye = call.t;
  CHECK(call.media().call_count() == 1);
  CHECK(call.media().endpoint_count() == 2);
  CHECK(call.media().stream_count() == 2);
  CHECK(w.watched.size() == 4);
  call.t += 500 * kMs;  // a retransmitted BYE does not restart the linger
  call.bye();
  call.at(bye + kLinger - 1);
  CHECK(call.media().call_count() == 1);
  CHECK(call.media().endpoint_count() == 2);
  call.at(bye + kLinger);
  CHECK(call.media().call_count() == 0);
  CHECK(call.media().endpoint_count() == 0);
  CHECK(w.watched.empty());
  CHECK(w.removed == 4);
  CHECK(call.media().stream_count() == 0);  // finished: their figures are in the totals
  const Report report = call.engine.report();
  CHECK(report.media->streams == 2);
  CHECK(report.media->packets == 20);
  CHECK(report.table_evictions[EvictingTable::media_calls] == 0);
  CHECK(report.table_evictions[EvictingTable::media_endpoints] == 0);
}

TEST_CASE("media lifetime: the streams of a call still up finish at their idle timeout", "[media]") {
  WatchedEndpoints w;
  Watched call(w);
  call.answer();
  call.talk(10);  // the last packets at t - 20 ms, then silence (on hold, say)
  const std::int64_t last_rtp = call.t - 20 * kMs;
  call.at(last_rtp + 30'000 * kMs - 1);
  CHECK(call.media().stream_count() == 2);
  call.at(last_rtp + 30'000 * kMs);
  CHECK(call.media().stream_count() == 0);
  CHECK(call.media().call_count() == 1);  // the call and its endpoints stay
  CHECK(call.media().endpoint_count() == 2);
  CHECK(call.engine.report().media->streams == 2);
}

TEST_CASE("media lifetime: an RTCP endpoint at another address (a=rtcp, RFC 3605) is freed with its call", "[media]") {
  WatchedEndpoints w;
  Watched call(w);
  // The caller receives RTP on 10.0.0.1:40000 and RTCP on 10.0.0.9:40011; the callee on
  // 10.0.0.2:50000/50001: four ports, three entries.
  call.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false,
                   sdp("10.0.0.1", 40000, "a=rtcp:40011 IN IP4 10.0.0.9\r\n")),
           true);
  call.t += 100 * kMs;
  call.sip(message("SIP/2.0 200 OK", "1 INVITE", true, sdp("10.0.0.2", 50000)), false);
  call.t += 10 * kMs;
  call.sip(message("ACK sip:b@10.0.0.2 SIP/2.0", "1 ACK", true, ""), true);
  CHECK(call.media().endpoint_count() == 3);  // the callee's RTP holds its RTCP port
  CHECK(w.watched.count({9, 40011}) == 1);
  call.bye();
  call.at(call.t + kLinger);
  CHECK(call.media().call_count() == 0);
  CHECK(call.media().endpoint_count() == 0);
  CHECK(w.watched.empty());
  CHECK(w.removed == 4);
}

TEST_CASE("media lifetime: a failed INVITE is freed after the linger", "[media]") {
  WatchedEndpoints w;
  Watched call(w);
  call.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp("10.0.0.1", 40000)), true);
  call.sip(message("SIP/2.0 180 Ringing", "1 INVITE", true, ""), false);
  call.t += 2'000 * kMs;
  call.sip(message("SIP/2.0 486 Busy Here", "1 INVITE", true, ""), false);
  const std::int64_t busy = call.t;
  call.sip(message("ACK sip:b@10.0.0.2 SIP/2.0", "1 ACK", true, ""), true);
  call.t += 200 * kMs;  // the INVITE retransmitted across the 486 revives nothing
  call.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp("10.0.0.1", 40000)), true);
  CHECK(call.media().call_count() == 1);
  CHECK(call.media().endpoint_count() == 1);  // the caller's RTP, holding its RTCP port
  call.at(busy + kLinger - 1);
  CHECK(call.media().endpoint_count() == 1);
  call.at(busy + kLinger);
  CHECK(call.media().call_count() == 0);
  CHECK(call.media().endpoint_count() == 0);
  CHECK(w.watched.empty());
}

TEST_CASE("media lifetime: a cancelled INVITE ends at its 487, not at the CANCEL", "[media]") {
  WatchedEndpoints w;
  Watched call(w);
  call.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp("10.0.0.1", 40000)), true);
  call.sip(message("SIP/2.0 180 Ringing", "1 INVITE", true, ""), false);
  call.t += 3'000 * kMs;
  call.sip(message("CANCEL sip:b@10.0.0.2 SIP/2.0", "1 CANCEL", false, ""), true);
  call.sip(message("SIP/2.0 200 OK", "1 CANCEL", true, ""), false);
  call.t += 1'000 * kMs;  // a slow 487
  call.sip(message("SIP/2.0 487 Request Terminated", "1 INVITE", true, ""), false);
  const std::int64_t terminated = call.t;
  call.sip(message("ACK sip:b@10.0.0.2 SIP/2.0", "1 ACK", true, ""), true);
  call.at(terminated + kLinger - 1);  // 6 s after the CANCEL
  CHECK(call.media().call_count() == 1);
  CHECK(call.media().endpoint_count() == 1);
  call.at(terminated + kLinger);
  CHECK(call.media().call_count() == 0);
  CHECK(call.media().endpoint_count() == 0);
  CHECK(w.watched.empty());

  // A 200 OK that wins the race with the CANCEL: the call goes on, whatever the linger.
  WatchedEndpoints w2;
  Watched raced(w2);
  raced.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp("10.0.0.1", 40000)), true);
  raced.sip(message("CANCEL sip:b@10.0.0.2 SIP/2.0", "1 CANCEL", false, ""), true);
  raced.sip(message("SIP/2.0 200 OK", "1 INVITE", true, sdp("10.0.0.2", 50000)), false);
  raced.at(raced.t + 60'000 * kMs);
  CHECK(raced.media().call_count() == 1);
  CHECK(raced.media().endpoint_count() == 2);
}

TEST_CASE("media lifetime: a 481 to an in-dialog request ends the call, a late fork's 408 to the INVITE not",
          "[media]") {
  WatchedEndpoints w;
  Watched call(w);
  call.answer();
  call.t += 1'000 * kMs;
  call.sip(message("SIP/2.0 408 Request Timeout", "1 INVITE", true, ""), false);  // another branch's
  call.sip(message("UPDATE sip:b@10.0.0.2 SIP/2.0", "2 UPDATE", true, ""), true);
  call.sip(message("SIP/2.0 491 Request Pending", "2 UPDATE", true, ""), false);  // a failed refresh
  call.at(call.t + 60'000 * kMs);
  CHECK(call.media().call_count() == 1);
  CHECK(call.media().endpoint_count() == 2);
  call.sip(message("INFO sip:b@10.0.0.2 SIP/2.0", "3 INFO", true, ""), true);
  call.sip(message("SIP/2.0 481 Call/Transaction Does Not Exist", "3 INFO", true, ""), false);
  const std::int64_t ended = call.t;
  call.at(ended + kLinger - 1);
  CHECK(call.media().call_count() == 1);
  call.at(ended + kLinger);
  CHECK(call.media().call_count() == 0);
  CHECK(call.media().endpoint_count() == 0);
  CHECK(w.watched.empty());
  // Answered, no RTP, 61 s until its end: judged no-media at the 481, as at a BYE.
  CHECK(call.engine.report().media->no_media_calls == 1);
}

TEST_CASE("media lifetime: an INVITE nobody answers is freed Timer C after it or its last provisional", "[media]") {
  constexpr std::int64_t kTimerC = 181'000 * kMs;
  WatchedEndpoints w;
  Watched call(w);
  call.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp("10.0.0.1", 40000)), true);
  const std::int64_t invite = call.t;
  call.t += 10 * kMs;
  call.sip(message("SIP/2.0 100 Trying", "1 INVITE", false, ""), false);  // a 100 does not restart Timer C
  call.at(invite + kTimerC - 1);
  CHECK(call.media().call_count() == 1);
  call.at(invite + kTimerC);
  CHECK(call.media().call_count() == 0);
  CHECK(call.media().endpoint_count() == 0);

  WatchedEndpoints w2;
  Watched ringing(w2);
  ringing.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp("10.0.0.1", 40000)), true);
  ringing.t += 120'000 * kMs;
  ringing.sip(message("SIP/2.0 180 Ringing", "1 INVITE", true, ""), false);  // restarts it
  const std::int64_t ring = ringing.t;
  ringing.at(ring + kTimerC - 1);
  CHECK(ringing.media().call_count() == 1);
  ringing.at(ring + kTimerC);
  CHECK(ringing.media().call_count() == 0);
}

TEST_CASE("media lifetime: late RTP within the linger is counted, after it not", "[media]") {
  WatchedEndpoints w;
  Watched call(w);
  call.answer();
  call.talk(10);  // 20 packets, sequence 100-109 forward
  call.bye();
  const std::int64_t bye = call.t;
  call.t = bye + 4'000 * kMs;  // still in flight 4 s after the BYE
  call.udp(rtp(110, 1600, 0xaaaa), true, 40000, 50000);
  call.at(bye + kLinger);
  call.udp(rtp(111, 1760, 0xaaaa), true, 40000, 50000);  // the endpoint is gone: not media
  const Report report = call.engine.report();
  CHECK(report.media->packets == 21);
  CHECK(report.media->lost == 0);
  CHECK(report.capture.outcomes[FrameOutcome::rtp] == 21);
  // The last packet and the clock step (at()) are neither SIP nor media.
  CHECK(report.capture.outcomes[FrameOutcome::payload_not_sip] == 2);
}

TEST_CASE("media lifetime: an address and port reused by a later call are that call's", "[media]") {
  WatchedEndpoints w;
  Watched call(w);
  call.answer();  // media-1: 10.0.0.1:40000 and 10.0.0.2:50000
  call.talk(5);
  call.bye();
  const std::int64_t bye = call.t;
  // A second call takes the same ports within the first one's linger.
  call.t += 1'000 * kMs;
  call.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp("10.0.0.1", 40000), "media-2"), true);
  call.sip(message("SIP/2.0 200 OK", "1 INVITE", true, sdp("10.0.0.2", 50000), "media-2"), false);
  CHECK(call.media().call_count() == 2);
  CHECK(call.media().endpoint_count() == 2);  // re-assigned, not duplicated
  call.at(bye + kLinger);                     // media-1 is freed: the endpoints are media-2's and stay watched
  CHECK(call.media().call_count() == 1);
  CHECK(call.media().endpoint_count() == 2);
  CHECK(w.watched.size() == 4);
  CHECK(w.removed == 0);
  // Same SSRCs as media-1's streams (finished when media-1 was freed): new streams of the new
  // call, not a continuation of the old ones.
  call.talk(5);
  CHECK(call.media().stream_count() == 2);
  const Report report = call.engine.report();
  CHECK(report.media->streams == 4);
  CHECK(report.media->packets == 20);
  CHECK(report.media->lost == 0);
  CHECK(report.capture.outcomes[FrameOutcome::rtp] == 20);

  // After media-2's own end and linger, a third call on the same ports adds them afresh.
  call.sip(message("BYE sip:b@10.0.0.2 SIP/2.0", "2 BYE", true, "", "media-2"), true);
  call.at(call.t + kLinger);
  CHECK(call.media().endpoint_count() == 0);
  CHECK(w.removed == 4);
  call.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp("10.0.0.1", 40000), "media-3"), true);
  CHECK(w.watched.size() == 2);
}

TEST_CASE("media: a stream outliving its call counts for the call that now holds its Call-ID", "[media]") {
  // A stream remembers where its call's entry was (MediaTracker::call_of). Here that entry is freed
  // and its slot taken by another call, then the stream's Call-ID comes back in a new entry: its
  // packets must count for the new entry, not for whatever holds the old slot.
  WatchedEndpoints w;
  Watched call(w);
  call.answer();  // media-1: 10.0.0.1:40000 and 10.0.0.2:50000
  // Five SSRCs toward the callee: a call lists four streams (kStreamsPerCall), so the fifth is not
  // finished with it and outlives it.
  for (std::uint32_t ssrc = 1; ssrc <= 5; ++ssrc) call.udp(rtp(1, 0, ssrc), true, 40000, 50000);
  call.bye();
  call.at(call.t + kLinger);
  REQUIRE(call.media().call_count() == 0);
  REQUIRE(call.media().stream_count() == 1);
  // "other" takes the freed slot; then media-1 comes back (a new INVITE, another branch).
  call.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp("10.0.0.1", 41000), "other"), true);
  call.sip(message("SIP/2.0 200 OK", "1 INVITE", true, sdp("10.0.0.2", 51000), "other"), false);
  call.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "3 INVITE", false, sdp("10.0.0.1", 40000)), true);
  call.sip(message("SIP/2.0 200 OK", "3 INVITE", true, sdp("10.0.0.2", 50000)), false);
  REQUIRE(call.media().call_count() == 2);
  // Past the media timeout: media-1 gets the fifth SSRC again (caller to callee only), "other"
  // RTP callee to caller only. Each is a one-way call.
  for (int i = 0; i < 600; ++i) {
    call.udp(rtp(static_cast<std::uint16_t>(2 + i), 160u * (i + 1), 5), true, 40000, 50000);
    call.udp(rtp(static_cast<std::uint16_t>(i), 160u * i, 0xcccc), false, 51000, 41000);
    call.t += 20 * kMs;
  }
  REQUIRE(call.media().stream_count() == 2);  // the fifth SSRC's stream went on: not a new one
  call.sip(message("BYE sip:b@10.0.0.2 SIP/2.0", "4 BYE", true, ""), true);
  call.sip(message("BYE sip:b@10.0.0.2 SIP/2.0", "2 BYE", true, "", "other"), true);
  const Report report = call.engine.report();
  CHECK(report.media->one_way_calls == 2);
  CHECK(report.media->no_media_calls == 0);
}

TEST_CASE("media lifetime: more sequential calls than the tables hold evict nothing", "[media]") {
  // 100 calls one after the other, each answered, 1 s of talk, then BYE; the next starts 10 s
  // later (past the 5 s linger). Tables of 8 calls and 16 endpoint entries (8 calls' worth: a
  // side's RTP port holds its RTCP port).
  constexpr int kCalls = 100;
  auto run = [](std::int64_t linger_ns) {
    EngineConfig config;
    config.media.max_calls = 8;
    config.media.max_endpoints = 16;
    config.media.ended_linger_ns = linger_ns;
    Call call(config);
    for (int i = 0; i < kCalls; ++i) {
      const std::string id = "seq-" + std::to_string(i);
      const int port = 40000 + 2 * i;  // each call its own ports, as a gateway's allocator gives them
      call.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp("10.0.0.1", port), id), true);
      call.sip(message("SIP/2.0 200 OK", "1 INVITE", true, sdp("10.0.0.2", port + 10000), id), false);
      call.sip(message("ACK sip:b@10.0.0.2 SIP/2.0", "1 ACK", true, "", id), true);
      call.t += 1'000 * kMs;
      call.sip(message("BYE sip:b@10.0.0.2 SIP/2.0", "2 BYE", true, "", id), true);
      call.t += 10'000 * kMs;
    }
    return call.engine.report().table_evictions;
  };
  const TableEvictions freed = run(kLinger);
  CHECK(freed[EvictingTable::media_calls] == 0);
  CHECK(freed[EvictingTable::media_endpoints] == 0);
  // Never freed (an infinite linger: the tracker before ended calls were freed), every call past
  // the 8th evicts one call (92), and every endpoint entry past the 16th one entry (200 - 16 = 184).
  const TableEvictions kept = run(std::numeric_limits<std::int64_t>::max());
  CHECK(kept[EvictingTable::media_calls] == kCalls - 8);
  CHECK(kept[EvictingTable::media_endpoints] == 2 * kCalls - 16);
}

// An RTP endpoint whose RTCP is on the next port holds both ports in one entry (RFC 3550 §11's
// pair; docs/media.md, "Endpoints"). Seen from outside, nothing may change: each port is claimed
// by the latest SDP that named it, and a call forgets only the ports still its own. Checked here
// against a reference that keeps one claim per port, with calls that fight over a few ports
// (even and odd RTP ports, RTCP on the next port, elsewhere on the same address, or muxed), through
// the endpoints the capture is told of and where RTP and RTCP packets go.
namespace {

struct PortClaim {
  int call;
  bool rtp;
  bool rtcp;
  friend bool operator==(const PortClaim&, const PortClaim&) = default;
};

struct Section {
  int port;
  int rtcp_port;  // == port: a=rtcp-mux
};

std::string sdp_sections(std::string_view address, const std::vector<Section>& sections) {
  std::string text =
      "v=0\r\no=- 1 1 IN IP4 " + std::string(address) + "\r\ns=-\r\nc=IN IP4 " + std::string(address) + "\r\nt=0 0\r\n";
  for (const Section& s : sections) {
    text += "m=audio " + std::to_string(s.port) + " RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";
    if (s.rtcp_port == s.port) {
      text += "a=rtcp-mux\r\n";
    } else if (s.rtcp_port != s.port + 1 || s.port % 3 == 0) {
      text += "a=rtcp:" + std::to_string(s.rtcp_port) + "\r\n";  // also, at times, naming port + 1
    }
  }
  return text;
}

// One claim per (side's address, port), as the tracker kept them before pairs shared an entry.
struct ClaimReference {
  std::map<std::pair<int, int>, PortClaim> claims;                // (side, port)
  std::map<std::pair<int, int>, std::vector<Section>> announced;  // (call, side)
  void announce(int call, int side, const std::vector<Section>& sections) {
    forget(call, side);
    for (const Section& s : sections) {
      claims[{side, s.port}] = PortClaim{call, true, s.rtcp_port == s.port};
      if (s.rtcp_port != s.port) claims[{side, s.rtcp_port}] = PortClaim{call, false, true};
    }
    announced[{call, side}] = sections;
  }
  void forget(int call, int side) {
    for (const Section& s : announced[{call, side}]) {
      for (const int port : {s.port, s.rtcp_port}) {
        const auto it = claims.find({side, port});
        if (it != claims.end() && it->second.call == call) claims.erase(it);
      }
    }
    announced.erase({call, side});
  }
};

}  // namespace

TEST_CASE("media endpoints: an RTP port holding its RTCP port is seen as two claims, whoever claims them later",
          "[media][live]") {
  constexpr int kCalls = 5;
  constexpr int kBasePort = 40000;
  constexpr int kPorts = 8;  // every call on the same eight ports of each side's address
  WatchedEndpoints w;
  EngineConfig config;
  config.media.endpoint_observer = &w;
  Call call(config);
  ClaimReference reference;
  std::minstd_rand random(static_cast<std::uint32_t>(GENERATE(range(1, 17))));
  const auto pick = [&](int n) { return static_cast<int>(random() % static_cast<std::uint32_t>(n)); };
  const auto sections = [&] {
    std::vector<Section> list(1 + (pick(4) == 0));
    for (Section& s : list) {
      s.port = kBasePort + pick(kPorts);
      switch (pick(4)) {
        case 0:
          s.rtcp_port = s.port;  // muxed
          break;
        case 1:
          s.rtcp_port = kBasePort + pick(kPorts);
          if (s.rtcp_port == s.port) ++s.rtcp_port;
          break;
        default:
          s.rtcp_port = s.port + 1;
      }
    }
    return list;
  };
  const auto call_id = [](int c) { return "pair-" + std::to_string(c); };
  std::string history;  // the SDPs so far, for a failure's message
  const auto announced = [&](int c, int side, const std::vector<Section>& list) {
    reference.announce(c, side, list);
    history += "\n call " + std::to_string(c) + " side " + std::to_string(side) + ":";
    for (const Section& s : list) history += " " + std::to_string(s.port) + "/" + std::to_string(s.rtcp_port);
  };
  using Ports = std::map<std::pair<std::uint8_t, std::uint16_t>, PortClaim>;  // (address's last byte, port)
  const auto describe = [](const Ports& ports) {
    std::string text;
    for (const auto& [where, claim] : ports) {
      text += " " + std::to_string(where.first) + ":" + std::to_string(where.second) + (claim.rtp ? "r" : "") +
              (claim.rtcp ? "c" : "");
    }
    return text;
  };
  const auto check_watched = [&] {
    Ports seen;
    for (const auto& [port, payloads] : w.watched) seen[port] = PortClaim{0, payloads.rtp, payloads.rtcp};
    Ports expected;
    for (const auto& [where, claim] : reference.claims) {
      const auto address = static_cast<std::uint8_t>(where.first == 0 ? 1 : 2);
      expected[{address, static_cast<std::uint16_t>(where.second)}] = PortClaim{0, claim.rtp, claim.rtcp};
    }
    INFO("watched" << describe(seen) << "\nexpected" << describe(expected) << "\nafter" << history);
    REQUIRE(seen == expected);
  };
  // An empty receiver report, sent to a port after each re-INVITE.
  std::string rr(8, '\0');
  rr[0] = '\x80';
  rr[1] = '\xc9';
  rr[3] = 1;
  put32(rr, 4, 0x1234);
  std::vector<int> cseq(kCalls, 1);
  for (int c = 0; c < kCalls; ++c) {
    const auto offer = sections();
    const auto answer = sections();
    call.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp_sections("10.0.0.1", offer), call_id(c)),
             true);
    announced(c, 0, offer);
    call.sip(message("SIP/2.0 200 OK", "1 INVITE", true, sdp_sections("10.0.0.2", answer), call_id(c)), false);
    announced(c, 1, answer);
    check_watched();
  }
  for (int step = 0; step < 200; ++step) {
    // A re-INVITE of one call moves both sides' media.
    const int c = pick(kCalls);
    const std::string number = std::to_string(++cseq[c]);
    const auto offer = sections();
    const auto answer = sections();
    call.sip(
        message("INVITE sip:b@10.0.0.2 SIP/2.0", number + " INVITE", true, sdp_sections("10.0.0.1", offer), call_id(c)),
        true);
    announced(c, 0, offer);
    call.sip(message("SIP/2.0 200 OK", number + " INVITE", true, sdp_sections("10.0.0.2", answer), call_id(c)), false);
    announced(c, 1, answer);
    check_watched();
    // RTCP, then RTP, to one port of the callee's address: each goes where the reference's claim
    // on that port says, or nowhere.
    const int port = kBasePort + pick(kPorts + 1);
    const auto claim = reference.claims.find({1, port});
    const std::uint64_t rtcp_before = call.engine.report().media->rtcp_packets;
    call.udp(rr, true, 7000, static_cast<std::uint16_t>(port));
    CHECK(call.engine.report().media->rtcp_packets - rtcp_before ==
          (claim != reference.claims.end() && claim->second.rtcp ? 1u : 0u));
    const std::uint64_t rtp_before = call.engine.report().media->packets;
    call.udp(rtp(static_cast<std::uint16_t>(step), 160u * static_cast<std::uint32_t>(step), 0x99), true, 7000,
             static_cast<std::uint16_t>(port));
    CHECK(call.engine.report().media->packets - rtp_before ==
          (claim != reference.claims.end() && claim->second.rtp ? 1u : 0u));
    call.t += 20 * kMs;
  }
  // Every call ends: each forgets what is still its own, and nothing is left watched.
  for (int c = 0; c < kCalls; ++c) {
    call.sip(message("BYE sip:b@10.0.0.2 SIP/2.0", std::to_string(++cseq[c]) + " BYE", true, "", call_id(c)), true);
  }
  call.t += kLinger + kMs;
  call.udp("not sip", true, 7000, 7001);
  CHECK(w.watched.empty());
  CHECK(call.engine.media().endpoint_count() == 0);
}
