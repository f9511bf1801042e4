#include <catch2/catch.hpp>

#include <array>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/call_media.h"
#include "outputs/call_record_writer.h"

using namespace sipmon;

TEST_CASE("call record JSON: every field present, null when unknown, in the documented order", "[calls]") {
  CallRecord r;
  r.strings[static_cast<std::size_t>(CallString::call_id)] = "abc@host";
  r.has_endpoints = true;
  r.src.address.family = 6;
  r.src.address.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  r.src.port = 5060;
  r.dst.address.bytes = {192, 0, 2, 7};
  r.dst.port = 5070;
  r.start_ns = 1'700'000'000'123'456'789;
  r.outcome = CallOutcome::timeout;
  const auto j = nlohmann::ordered_json::parse(render_call_record(r));
  const std::vector<std::string> keys = {
      "call_id",         "from",    "to",        "request_uri",    "src",      "dst",          "transport",
      "start",           "ringing", "answered",  "ended",          "outcome",  "completed",    "final_code",
      "final_reason",    "reason",  "srd_s",     "duration_s",     "ended_by", "user_agent",   "server",
      "retransmissions", "peer",    "truncated", "record_evicted", "media",    "media_dropped"};
  std::vector<std::string> got;
  for (const auto& item : j.items()) got.push_back(item.key());
  CHECK(got == keys);
  CHECK(j["src"] == "[2001:db8::1]:5060");
  CHECK(j["dst"] == "192.0.2.7:5070");
  CHECK(j["start"] == "2023-11-14T22:13:20.123456Z");
  CHECK(j["outcome"] == "timeout");
  CHECK(j["final_code"].is_null());
  CHECK(j["reason"].is_null());
  CHECK(j["srd_s"].is_null());
  CHECK(j["from"].is_null());
  CHECK_FALSE(j.contains("messages"));
  CHECK(j["media"] == nlohmann::ordered_json::array());
  CHECK(j["media_dropped"] == 0);
}

TEST_CASE("call record JSON: a media entry names its figures as docs/calls.md does", "[calls][media]") {
  CallRecord r;
  CallMediaStream s;
  s.src.address.bytes = {10, 0, 0, 2};
  s.src.port = 50000;
  s.dst.address.bytes = {10, 0, 0, 1};
  s.dst.port = 40000;
  s.direction = MediaDirection::callee_to_caller;
  s.ssrc = 0xbbbb;
  s.payload_type = 8;
  s.codec = Codec::pcma;
  s.packets = 97;
  s.expected = 100;
  s.lost = 3;
  s.late = 2;
  s.jitter_mean_ms = 1.25;
  s.mos = 4.1;
  s.has_far_report = true;
  s.far_fraction_lost = 64;  // a quarter
  s.far_cumulative_lost = 5;
  s.far_jitter_ms = 2.5;
  s.first_ns = 1'700'000'000'000'000'000;
  CallMediaStream events;  // RFC 4733 only: no payload type, no score, no RTCP
  const std::array streams{s, events};
  r.media = streams;
  r.media_dropped = 4;
  const auto j = nlohmann::json::parse(render_call_record(r));
  REQUIRE(j["media"].size() == 2);
  const auto& e = j["media"][0];
  CHECK(e["direction"] == "callee->caller");
  CHECK(e["src"] == "10.0.0.2:50000");
  CHECK(e["dst"] == "10.0.0.1:40000");
  CHECK(e["ssrc"] == 0xbbbb);
  CHECK(e["payload_type"] == 8);
  CHECK(e["codec"] == "PCMA");
  CHECK(e["loss_pct"] == Approx(3.0));
  CHECK(e["out_of_order"] == 2);
  CHECK(e["jitter_mean_ms"] == Approx(1.25));
  CHECK(e["first"] == "2023-11-14T22:13:20.000000Z");
  CHECK(e["rtcp"]["fraction_lost"] == Approx(0.25));
  CHECK(e["rtcp"]["cumulative_lost"] == 5);
  CHECK(e["rtcp"]["jitter_ms"] == Approx(2.5));
  CHECK(e["rtcp"]["rtt_ms"].is_null());
  CHECK(e["rtcp"]["xr_mos_cq"].is_null());
  CHECK(e["mos"] == Approx(4.1));
  const auto& ev = j["media"][1];
  CHECK(ev["payload_type"].is_null());
  CHECK(ev["codec"].is_null());
  CHECK(ev["mos"].is_null());
  CHECK(ev["rtcp"].is_null());
  CHECK(j["media_dropped"] == 4);
}

TEST_CASE("call record JSON: Reason, messages, and bytes that are not UTF-8", "[calls]") {
  CallRecord r;
  r.strings[static_cast<std::size_t>(CallString::call_id)] = "x\xff\xfey";
  r.reason_protocol = 1;
  r.reason_cause = 16;
  r.final_code = 503;
  r.srd_ns = 1'500'000;
  CallMessage m[2];
  m[0].method = Method::invite;
  m[1].method = Method::bye;
  m[1].status_code = 200;
  m[1].retransmission = true;
  r.messages_enabled = true;
  r.messages = std::span<const CallMessage>(m, 2);
  r.messages_truncated = true;
  const auto j = nlohmann::json::parse(render_call_record(r));
  CHECK(j["reason"]["protocol"] == "Q.850");
  CHECK(j["reason"]["cause"] == 16);
  CHECK(j["reason"]["text"].is_null());
  CHECK(j["final_code"] == 503);
  CHECK(j["srd_s"] == Approx(0.0015));
  REQUIRE(j["messages"].size() == 2);
  CHECK(j["messages"][0]["summary"] == "INVITE");
  CHECK(j["messages"][1]["summary"] == "200 OK (BYE)");
  CHECK(j["messages"][1]["retransmission"] == true);
  CHECK(j["messages_truncated"] == true);
  CHECK(j["call_id"].get<std::string>().find("\xef\xbf\xbd") != std::string::npos);  // U+FFFD
}

TEST_CASE("call record JSON: raw text of the HTML report's records, cut and not kept", "[calls]") {
  CallRecord r;
  CallMessage m[3];
  m[0].method = Method::invite;
  r.messages_enabled = true;
  r.messages = std::span<const CallMessage>(m, 3);
  const std::string whole = "INVITE sip:b@x SIP/2.0\r\nX: <script>\r\n\r\n";
  const CallMessageText texts[3] = {{whole, static_cast<std::uint32_t>(whole.size()), true},
                                    {std::string_view(whole).substr(0, 6), 9000, true},
                                    {{}, 300, false}};
  CHECK_FALSE(nlohmann::json::parse(render_call_record(r))["messages"][0].contains("raw"));  // --calls
  r.message_texts = std::span<const CallMessageText>(texts, 3);
  const auto j = nlohmann::json::parse(render_call_record(r));
  CHECK(j["messages"][0]["raw"] == whole);
  CHECK(j["messages"][0]["raw_bytes"] == whole.size());
  CHECK(j["messages"][0]["raw_truncated"] == false);
  CHECK(j["messages"][1]["raw"] == "INVITE");
  CHECK(j["messages"][1]["raw_bytes"] == 9000);
  CHECK(j["messages"][1]["raw_truncated"] == true);
  CHECK(j["messages"][2]["raw"].is_null());
  CHECK(j["messages"][2]["raw_truncated"] == false);
}

TEST_CASE("call record writer: one line per record, flushed", "[calls]") {
  std::ostringstream out;
  CallRecordWriter writer(out);
  CallRecord r;
  writer.on_call_record(r);
  writer.on_call_record(r);
  CHECK(writer.written() == 2);
  const std::string text = out.str();
  CHECK(std::count(text.begin(), text.end(), '\n') == 2);
}
