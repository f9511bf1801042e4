// The media array of call records (call_media.h, docs/calls.md "media"): through the whole engine,
// SDP offer/answer, RTP frames, BYE; each stream's figures are worked out by hand here.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analysis/call_media.h"
#include "analysis/engine.h"
#include "analysis/media_endpoint_observer.h"
#include "analysis/mos.h"
#include "analysis/peer_table.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSecond = 1000 * kMs;
constexpr std::int64_t kT0 = 1'700'000'000 * kSecond;

std::string sdp(std::string_view address, int port) {
  return "v=0\r\no=- 1 1 IN IP4 " + std::string(address) + "\r\ns=-\r\nc=IN IP4 " + std::string(address) +
         "\r\nt=0 0\r\nm=audio " + std::to_string(port) + " RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n";
}

std::string message(std::string_view start, std::string_view cseq, bool to_tag, std::string_view body) {
  std::string text = std::string(start) + "\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" +
                     std::string(cseq.substr(0, 1)) + "\r\nFrom: <sip:a@x>;tag=caller\r\nTo: <sip:b@x>" +
                     (to_tag ? ";tag=callee" : "") + "\r\nCall-ID: media-record-1\r\nCSeq: " + std::string(cseq) +
                     "\r\n";
  if (!body.empty()) text += "Content-Type: application/sdp\r\n";
  return text + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

std::string rtp(std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc, std::uint8_t pt = 8) {
  std::string p(12 + 160, '\xd5');
  p[0] = '\x80';
  p[1] = static_cast<char>(pt);
  p[2] = static_cast<char>(seq >> 8);
  p[3] = static_cast<char>(seq & 0xff);
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<char>(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<char>(ssrc >> (24 - 8 * i));
  return p;
}

struct Kept {
  CallOutcome outcome;
  bool completed;
  std::vector<CallMediaStream> media;
  std::uint32_t media_dropped;
};

struct Collect final : CallRecordSink {
  std::vector<Kept> records;
  void on_call_record(const CallRecord& r) override {
    records.push_back(Kept{r.outcome, r.completed, {r.media.begin(), r.media.end()}, r.media_dropped});
  }
};

struct Fixture {
  explicit Fixture(CallRecorderConfig recorder = {}, std::shared_ptr<const PeerTable> peers = nullptr,
                   bool records = true, MediaEndpointObserver* endpoints = nullptr) {
    EngineConfig config;
    config.media.endpoint_observer = endpoints;
    if (records) config.call_records = &sink;
    config.recorder = recorder;
    config.peers = std::move(peers);
    engine = std::make_unique<Engine>(config);
  }
  Collect sink;
  std::unique_ptr<Engine> engine;
  std::int64_t t = kT0;

  void sip(const std::string& text, bool from_caller) {
    const UdpSpec spec{.src_last_octet = std::uint8_t(from_caller ? 1 : 2),
                       .dst_last_octet = std::uint8_t(from_caller ? 2 : 1)};
    engine->on_frame(make_frame(sip_udp_frame(text, spec), LinkType::ethernet, t));
  }
  void udp(const std::string& payload, bool from_caller, std::uint16_t src_port, std::uint16_t dst_port) {
    const UdpSpec spec{.src_port = src_port,
                       .dst_port = dst_port,
                       .src_last_octet = std::uint8_t(from_caller ? 1 : 2),
                       .dst_last_octet = std::uint8_t(from_caller ? 2 : 1)};
    engine->on_frame(make_frame(sip_udp_frame(payload, spec), LinkType::ethernet, t));
  }
  void answer() {
    sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp("10.0.0.1", 40000)), true);
    t += 100 * kMs;
    sip(message("SIP/2.0 200 OK", "1 INVITE", true, sdp("10.0.0.2", 50000)), false);
    t += 10 * kMs;
    sip(message("ACK sip:b@10.0.0.2 SIP/2.0", "1 ACK", true, ""), true);
  }
  // Caller -> callee (SSRC 0xaaaa): 100 packets 20 ms apart, numbers 10, 11, 12 missing (one burst
  // of 3); callee -> caller (0xbbbb): 100 packets, clean.
  void talk() {
    for (int i = 0; i < 100; ++i) {
      if (i < 10 || i > 12) udp(rtp(static_cast<std::uint16_t>(1000 + i), 160u * i, 0xaaaa), true, 40000, 50000);
      udp(rtp(static_cast<std::uint16_t>(7 + i), 160u * i, 0xbbbb), false, 50000, 40000);
      t += 20 * kMs;
    }
  }
  void hang_up() {
    sip(message("BYE sip:b@10.0.0.2 SIP/2.0", "2 BYE", true, ""), true);
    t += 10 * kMs;
    sip(message("SIP/2.0 200 OK", "2 BYE", true, ""), false);
  }
};

const CallMediaStream* stream_with(const Kept& record, std::uint32_t ssrc) {
  for (const CallMediaStream& s : record.media) {
    if (s.ssrc == ssrc) return &s;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("call media: a record waits for its live streams, then lists each with its figures", "[calls][media]") {
  Fixture f;
  f.answer();
  const std::int64_t first_rtp = f.t;
  f.talk();
  f.hang_up();
  // The dialog has ended but both streams are still live: the record waits for them.
  CHECK(f.sink.records.empty());
  // 30 s without packets finishes the streams (docs/media.md), which writes the record.
  f.engine->tick(f.t + 31 * kSecond);
  REQUIRE(f.sink.records.size() == 1);
  const Kept& r = f.sink.records[0];
  CHECK(r.outcome == CallOutcome::established);
  CHECK(r.completed);
  CHECK(r.media_dropped == 0);
  REQUIRE(r.media.size() == 2);

  const CallMediaStream* forward = stream_with(r, 0xaaaa);
  REQUIRE(forward != nullptr);
  CHECK(forward->direction == MediaDirection::caller_to_callee);
  CHECK(forward->src.port == 40000);
  CHECK(forward->dst.port == 50000);
  CHECK(forward->dst.address.bytes[3] == 2);  // 10.0.0.2: the callee
  CHECK(forward->payload_type == 8);
  CHECK(forward->codec == Codec::pcma);
  CHECK(forward->packets == 97);
  CHECK(forward->expected == 100);
  CHECK(forward->lost == 3);
  CHECK(forward->loss_bursts == 1);
  CHECK(forward->burst_lost == 3);
  CHECK(forward->largest_gap == 3);
  CHECK(forward->duplicates == 0);
  CHECK(forward->late == 0);
  CHECK(forward->first_ns == first_rtp);
  CHECK(forward->last_ns == first_rtp + 99 * 20 * kMs);
  // Arrivals exactly on the RTP clock: no jitter.
  CHECK(forward->jitter_mean_ms == 0);
  CHECK(forward->jitter_max_ms == 0);
  // G.107 with Ppl = 3 %, BurstR = 1 / (1/97 + 1/3) (one burst of three losses).
  const double burst = 1.0 / (1.0 / 97 + 1.0 / 3);
  const double ppl = 3.0;
  CHECK(forward->mos == Approx(mos_from_r(93.2 - 95.0 * ppl / (ppl / burst + 25.1))).epsilon(1e-9));
  CHECK(forward->rtt_ns == -1);
  CHECK_FALSE(forward->has_far_report);

  const CallMediaStream* backward = stream_with(r, 0xbbbb);
  REQUIRE(backward != nullptr);
  CHECK(backward->direction == MediaDirection::callee_to_caller);
  CHECK(backward->packets == 100);
  CHECK(backward->lost == 0);
  CHECK(backward->mos == Approx(mos_from_r(93.2)).epsilon(1e-9));

  // The report's totals are the sums of the records' streams.
  const Report report = f.engine->report();
  REQUIRE(report.media);
  CHECK(report.media->streams == 2);
  CHECK(report.media->packets == forward->packets + backward->packets);
  CHECK(report.media->lost == forward->lost + backward->lost);
  CHECK(report.media->mos->min == Approx(forward->mos));
  CHECK_FALSE(report.table_evictions.listed(EvictingTable::call_record_media));
}

TEST_CASE("call media: streams already finished when the dialog ends go out with the record", "[calls][media]") {
  Fixture f;
  f.answer();
  f.talk();
  f.t += 40 * kSecond;  // silence (hold): the streams finish on the next packet's time
  f.hang_up();
  REQUIRE(f.sink.records.size() == 1);
  CHECK(f.sink.records[0].media.size() == 2);
}

TEST_CASE("call media: the end of the input writes a waiting record with its streams", "[calls][media]") {
  Fixture f;
  f.answer();
  f.talk();
  f.hang_up();
  REQUIRE(f.sink.records.empty());
  f.engine->finish();
  REQUIRE(f.sink.records.size() == 1);
  CHECK(f.sink.records[0].media.size() == 2);
  CHECK(f.sink.records[0].completed);
}

TEST_CASE("call media: more streams than a record lists, or than the pool holds, are counted", "[calls][media]") {
  SECTION("kMaxRecordStreams per record") {
    Fixture f;
    f.answer();
    const int n = static_cast<int>(kMaxRecordStreams) + 3;
    for (int s = 0; s < n; ++s) {  // a new SSRC every two packets
      for (int i = 0; i < 2; ++i) {
        f.udp(rtp(static_cast<std::uint16_t>(i), 160u * i, 0x1000u + static_cast<std::uint32_t>(s)), true, 40000,
              50000);
        f.t += 20 * kMs;
      }
    }
    f.hang_up();
    f.engine->finish();
    REQUIRE(f.sink.records.size() == 1);
    CHECK(f.sink.records[0].media.size() == kMaxRecordStreams);
    CHECK(f.sink.records[0].media_dropped == 3);
    const Report report = f.engine->report();
    CHECK(report.media->streams == static_cast<std::uint64_t>(n));
    CHECK(report.table_evictions[EvictingTable::call_record_media] == 3);
  }
  SECTION("a pool of one entry") {
    Fixture f(CallRecorderConfig{.max_media_streams = 1});
    f.answer();
    f.talk();
    f.hang_up();
    f.engine->finish();
    REQUIRE(f.sink.records.size() == 1);
    CHECK(f.sink.records[0].media.size() == 1);
    CHECK(f.sink.records[0].media_dropped == 1);
  }
}

TEST_CASE("call media: a failed call's early media is listed in its record", "[calls][media]") {
  Fixture f;
  f.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp("10.0.0.1", 40000)), true);
  f.t += 100 * kMs;
  f.sip(message("SIP/2.0 183 Session Progress", "1 INVITE", true, sdp("10.0.0.2", 50000)), false);
  for (int i = 0; i < 10; ++i) {  // announcement from the callee
    f.udp(rtp(static_cast<std::uint16_t>(i), 160u * i, 0xcccc), false, 50000, 40000);
    f.t += 20 * kMs;
  }
  f.sip(message("SIP/2.0 486 Busy Here", "1 INVITE", true, ""), false);
  CHECK(f.sink.records.empty());  // its stream is still live
  f.engine->finish();
  REQUIRE(f.sink.records.size() == 1);
  CHECK(f.sink.records[0].outcome == CallOutcome::failed);
  REQUIRE(f.sink.records[0].media.size() == 1);
  CHECK(f.sink.records[0].media[0].direction == MediaDirection::callee_to_caller);
  CHECK(f.sink.records[0].media[0].packets == 10);
}

TEST_CASE("call media: a record written early (full record table) ignores its streams' later end", "[calls][media]") {
  Fixture f(CallRecorderConfig{.max_records = 1});
  f.answer();
  f.talk();
  // A second call's INVITE evicts the first call's open record.
  f.sip(
      "INVITE sip:c@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx\r\nFrom: <sip:a@x>;tag=t2\r\n"
      "To: <sip:c@x>\r\nCall-ID: other\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
      true);
  REQUIRE(f.sink.records.size() == 1);
  CHECK(f.sink.records[0].media.empty());  // its streams were live when it was written
  f.engine->finish();
  REQUIRE(f.sink.records.size() == 2);  // the other call; the first's streams found no record
  CHECK(f.sink.records[1].media.empty());
}

TEST_CASE("media per peer: a call's streams and verdicts count for the peer of its INVITE", "[media][peers]") {
  // The caller (10.0.0.1) and the callee (10.0.0.2) are both named: by their own addresses the
  // callee's stream would be callee_side's; it is the call's, whose INVITE came from caller_side.
  auto table = PeerTable::parse("caller_side 10.0.0.1\ncallee_side 10.0.0.2\n", "test");
  REQUIRE(table);
  const auto peers = std::make_shared<const PeerTable>(std::move(*table));
  for (const bool records : {true, false}) {
    Fixture f({}, peers, records);
    f.answer();
    f.talk();
    f.hang_up();
    f.engine->finish();
    const Report report = f.engine->report();
    REQUIRE(report.media);
    const auto& by_peer = report.media->peers;
    REQUIRE(by_peer.size() == 3);  // both peers of the file and "other"
    const MediaReport::Peer& caller = by_peer.at("caller_side");
    CHECK(caller.streams == 2);
    CHECK(caller.packets == 197);  // 97 + 100 (see talk())
    CHECK(caller.expected == 200);
    CHECK(caller.lost == 3);
    CHECK(caller.jitter_seconds_buckets.count == 2);
    CHECK(caller.mos_buckets.count == 2);
    CHECK(caller.one_way_calls == 0);
    CHECK(by_peer.at("callee_side").streams == 0);
    CHECK(by_peer.at("other").streams == 0);
  }
}

TEST_CASE("media per peer: one-way and no-media calls count for their peer", "[media][peers]") {
  auto table = PeerTable::parse("caller_side 10.0.0.1\n", "test");
  REQUIRE(table);
  Fixture f({}, std::make_shared<const PeerTable>(std::move(*table)));
  f.answer();
  for (int i = 0; i < 50; ++i) {  // the caller speaks, nothing comes back
    f.udp(rtp(static_cast<std::uint16_t>(i), 160u * i, 0xdddd), true, 40000, 50000);
    f.t += 20 * kMs;
  }
  f.t += 11 * kSecond;  // past --media-timeout (10 s) after the 2xx
  f.engine->tick(f.t);
  const Report report = f.engine->report();
  REQUIRE(report.media);
  CHECK(report.media->one_way_calls == 1);
  CHECK(report.media->peers.at("caller_side").one_way_calls == 1);
  CHECK(report.media->peers.at("caller_side").streams == 1);
  CHECK(report.media->peers.at("other").one_way_calls == 0);
}

TEST_CASE("media per peer: nothing per peer without --peers", "[media][peers]") {
  Fixture f;
  f.answer();
  f.talk();
  f.engine->finish();
  REQUIRE(f.engine->report().media);
  CHECK(f.engine->report().media->peers.empty());
}

namespace {
struct Endpoints final : MediaEndpointObserver {
  std::vector<std::string> events;
  static std::string text(const IpAddress& a, std::uint16_t port) {
    return std::to_string(a.bytes[0]) + "." + std::to_string(a.bytes[1]) + "." + std::to_string(a.bytes[2]) + "." +
           std::to_string(a.bytes[3]) + ":" + std::to_string(port);
  }
  void media_endpoint_added(const IpAddress& a, std::uint16_t port, const MediaEndpointPayloads&) override {
    events.push_back("+" + text(a, port));
  }
  void media_endpoint_removed(const IpAddress& a, std::uint16_t port) override {
    events.push_back("-" + text(a, port));
  }
};
}  // namespace

TEST_CASE("media endpoints: the capture is told of each endpoint the SDP adds, moves and drops", "[media][live]") {
  Endpoints endpoints;
  Fixture f({}, nullptr, false, &endpoints);
  f.answer();
  // RTP on the m= port, RTCP on the next one (RFC 3550), for each side.
  CHECK(endpoints.events ==
        std::vector<std::string>{"+10.0.0.1:40000", "+10.0.0.1:40001", "+10.0.0.2:50000", "+10.0.0.2:50001"});
  endpoints.events.clear();
  // A re-INVITE from the caller moves its media: the old endpoints go, the new ones come.
  f.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "3 INVITE", true, sdp("10.0.0.1", 40010)), true);
  CHECK(endpoints.events ==
        std::vector<std::string>{"-10.0.0.1:40000", "-10.0.0.1:40001", "+10.0.0.1:40010", "+10.0.0.1:40011"});
}

namespace {
// What the capture is told of each endpoint: its payload maps and whether RTP and RTCP arrive.
struct EndpointPayloads final : MediaEndpointObserver {
  std::map<std::string, MediaEndpointPayloads> watched;
  void media_endpoint_added(const IpAddress& a, std::uint16_t port, const MediaEndpointPayloads& payloads) override {
    watched[Endpoints::text(a, port)] = payloads;
  }
  void media_endpoint_removed(const IpAddress& a, std::uint16_t port) override {
    watched.erase(Endpoints::text(a, port));
  }
};
}  // namespace

// The tracker keeps an RTP endpoint's payload maps beside its table entry and none for an endpoint
// that receives only RTCP (RTCP packets carry no payload type); a muxed endpoint receives both.
TEST_CASE("media endpoints: an RTP endpoint carries its payload maps, an RTCP-only endpoint none", "[media][live]") {
  EndpointPayloads endpoints;
  Fixture f({}, nullptr, false, &endpoints);
  f.sip(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp("10.0.0.1", 40000)), true);
  std::string muxed = sdp("10.0.0.2", 50000);
  muxed += "a=rtpmap:8 PCMA/8000\r\na=rtcp-mux\r\n";
  f.t += 100 * kMs;
  f.sip(message("SIP/2.0 200 OK", "1 INVITE", true, muxed), false);
  REQUIRE(endpoints.watched.size() == 3);

  const MediaEndpointPayloads& caller_rtp = endpoints.watched.at("10.0.0.1:40000");
  CHECK(caller_rtp.rtp);
  CHECK_FALSE(caller_rtp.rtcp);
  REQUIRE(caller_rtp.count == 1);
  CHECK(caller_rtp.payload_types[0] == 101);
  CHECK(caller_rtp.clock_rates[0] == 0);  // RFC 4733 events: no clock for the jitter

  const MediaEndpointPayloads& caller_rtcp = endpoints.watched.at("10.0.0.1:40001");
  CHECK_FALSE(caller_rtcp.rtp);
  CHECK(caller_rtcp.rtcp);
  CHECK(caller_rtcp.count == 0);

  const MediaEndpointPayloads& both = endpoints.watched.at("10.0.0.2:50000");
  CHECK(both.rtp);
  CHECK(both.rtcp);
  REQUIRE(both.count == 2);
  CHECK(both.payload_types[0] == 101);
  CHECK(both.payload_types[1] == 8);
  CHECK(both.clock_rates[1] == 8000);

  // RTP is read with the maps of the endpoint it reaches: payload type 101 (dynamic) is an RFC 4733
  // event only because both SDPs mapped it so; each new timestamp is one event.
  for (std::uint16_t i = 0; i < 3; ++i) f.udp(rtp(i, 160u * i, 0xbbbb, 101), false, 50000, 40000);
  for (std::uint16_t i = 0; i < 2; ++i) f.udp(rtp(i, 160u * i, 0xaaaa, 101), true, 40000, 50000);
  f.engine->finish();
  CHECK(f.engine->report().media->dtmf_events == 5);
}

TEST_CASE("media endpoints: an endpoint evicted from the full table is removed from the capture too", "[media][live]") {
  Endpoints endpoints;
  EngineConfig config;
  config.media.endpoint_observer = &endpoints;
  config.media.max_endpoints = 1;
  Engine engine(config);
  const UdpSpec spec{};
  engine.on_frame(make_frame(
      sip_udp_frame(message("INVITE sip:b@10.0.0.2 SIP/2.0", "1 INVITE", false, sdp("10.0.0.1", 40000)), spec),
      LinkType::ethernet, kT0));
  engine.on_frame(make_frame(sip_udp_frame(message("SIP/2.0 200 OK", "1 INVITE", true, sdp("10.0.0.2", 50000)),
                                           UdpSpec{.src_last_octet = 2, .dst_last_octet = 1}),
                             LinkType::ethernet, kT0 + kMs));
  // One entry fits: a side's RTP port holding its RTCP port (RFC 3550's pair). The callee's pair
  // evicts the caller's, and both of its ports are removed before the new ones are added.
  CHECK(endpoints.events == std::vector<std::string>{"+10.0.0.1:40000", "+10.0.0.1:40001", "-10.0.0.1:40000",
                                                     "-10.0.0.1:40001", "+10.0.0.2:50000", "+10.0.0.2:50001"});
}
