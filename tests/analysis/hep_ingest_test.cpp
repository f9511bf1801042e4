#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "analysis/hep_encoder.h"
#include "analysis/hep_ingest.h"

using namespace sipmon;

namespace {

constexpr std::string_view kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TLS 10.0.0.1:5061;branch=z9hG4bK776asdhds\r\n"
    "To: Bob <sip:bob@example.com>\r\n"
    "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";
constexpr std::string_view kRinging =
    "SIP/2.0 180 Ringing\r\n"
    "Via: SIP/2.0/TLS 10.0.0.1:5061;branch=z9hG4bK776asdhds\r\n"
    "To: Bob <sip:bob@example.com>;tag=a6c85cf\r\n"
    "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

constexpr std::string_view kOk =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/TLS 10.0.0.1:5061;branch=z9hG4bK776asdhds\r\n"
    "To: Bob <sip:bob@example.com>;tag=a6c85cf\r\n"
    "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

constexpr std::int64_t kNow = 1'700'000'000'000'000'000;

std::vector<std::uint8_t> hep_of(std::string_view sip, std::int64_t ts_ns, std::string_view key = {}) {
  Payload payload;
  payload.ts_ns = ts_ns;
  payload.transport = Transport::tcp;
  payload.src.bytes = {10, 0, 0, 1};
  payload.dst.bytes = {10, 0, 0, 2};
  payload.src_port = 5061;
  payload.dst_port = 5061;
  payload.bytes = Bytes(reinterpret_cast<const std::uint8_t*>(sip.data()), sip.size());
  std::vector<std::uint8_t> out(hep3_encoded_size(payload, {.auth_key = key}));
  encode_hep3(payload, {.auth_key = key}, out);
  return out;
}

Bytes view(const std::vector<std::uint8_t>& p) { return Bytes(p.data(), p.size()); }

}  // namespace

TEST_CASE("HEP ingest hands SIP payloads to the engine with the sender's time", "[hep]") {
  Engine engine(EngineConfig{.ports = {5060}});  // the port filter is for captured frames only
  HepIngest ingest({}, engine);
  ingest.on_packet(view(hep_of(kInvite, kNow)), kNow + 1'000'000);
  ingest.on_packet(view(hep_of(kRinging, kNow + 250'000'000)), kNow + 251'000'000);
  ingest.on_packet(view(hep_of(kOk, kNow + 1'000'000'000)), kNow + 1'001'000'000);

  const Report report = engine.report();
  CHECK(report.capture.packets == 3);
  CHECK(report.capture.sip_messages == 3);
  CHECK(report.capture.sip_packets == 3);
  CHECK(report.requests[Method::invite] == 1);
  CHECK(report.responses.count(180) == 1);
  REQUIRE(report.capture.first_ts_ns);
  CHECK(*report.capture.first_ts_ns == kNow);  // the sender's timestamp, not the arrival
  CHECK(*report.capture.last_ts_ns == kNow + 1'000'000'000);
  REQUIRE(report.rfc6076);
  CHECK(report.rfc6076->sessions.established == 1);
  REQUIRE(report.rfc6076->srd.count() == 1);
  CHECK(report.rfc6076->srd.max() == Approx(0.25).margin(0.001));  // INVITE -> 180 on the sender's clock

  const HepInReport hep = ingest.report();
  CHECK(hep.packets == 3);
  CHECK(hep.by_version.at("3") == 3);
  CHECK(hep.sip_payloads == 3);
  CHECK(hep.timestamps_replaced == 0);
  CHECK(hep.errors.empty());
}

TEST_CASE("HEP ingest: skewed timestamps count at their arrival time", "[hep]") {
  Engine engine;
  HepIngest ingest({.auth_key = "", .max_skew_ns = 2'000'000'000}, engine);
  ingest.on_packet(view(hep_of(kInvite, kNow - 3'600'000'000'000)), kNow);  // an hour behind
  CHECK(ingest.report().timestamps_replaced == 1);
  CHECK(*engine.report().capture.first_ts_ns == kNow);
  ingest.on_packet(view(hep_of(kRinging, kNow + 1'500'000'000)), kNow);  // within the tolerance
  CHECK(ingest.report().timestamps_replaced == 1);
  CHECK(*engine.report().capture.last_ts_ns == kNow + 1'500'000'000);
}

TEST_CASE("HEP ingest counts refused packets by name and never hands them on", "[hep]") {
  Engine engine;
  HepIngest ingest({.auth_key = "s3cret"}, engine);
  ingest.on_packet(view(hep_of(kInvite, kNow, "s3cret")), kNow);
  ingest.on_packet(view(hep_of(kInvite, kNow, "guess")), kNow);
  ingest.on_packet(view(hep_of(kInvite, kNow)), kNow);
  auto truncated = hep_of(kInvite, kNow, "s3cret");
  truncated.resize(truncated.size() / 2);
  ingest.on_packet(view(truncated), kNow);
  auto rtcp = hep_of(kInvite, kNow, "s3cret");
  // Protocol type chunk (0x000b): the byte after its 6-byte header becomes 5 (RTCP).
  for (std::size_t i = 6; i + 6 < rtcp.size();) {
    const std::size_t len = static_cast<std::size_t>(rtcp[i + 4] << 8 | rtcp[i + 5]);
    if (rtcp[i + 2] == 0 && rtcp[i + 3] == 0x0b) rtcp[i + 6] = 5;
    i += len;
  }
  ingest.on_packet(view(rtcp), kNow);
  const std::string junk = "not HEP at all";
  ingest.on_packet(Bytes(reinterpret_cast<const std::uint8_t*>(junk.data()), junk.size()), kNow);

  const HepInReport hep = ingest.report();
  CHECK(hep.packets == 6);
  CHECK(hep.sip_payloads == 1);
  CHECK(hep.errors.at("wrong_key") == 1);
  CHECK(hep.errors.at("missing_key") == 1);
  CHECK(hep.errors.at("truncated") == 1);
  CHECK(hep.errors.at("not_sip") == 1);
  CHECK(hep.errors.at("unknown_version") == 1);
  CHECK(hep.by_version.at("3") == 4);  // decoded, then refused for key or protocol
  CHECK(engine.report().capture.packets == 1);
}

TEST_CASE("HEP ingest: a non-SIP payload that claims to be SIP is the engine's to count", "[hep]") {
  Engine engine;
  HepIngest ingest({}, engine);
  ingest.on_packet(view(hep_of("\x16\x03\x01 not sip", kNow)), kNow);
  const Report report = engine.report();
  CHECK(report.capture.packets == 1);
  CHECK(report.capture.non_sip == 1);
  CHECK(report.capture.outcomes[FrameOutcome::payload_not_sip] == 1);
}
