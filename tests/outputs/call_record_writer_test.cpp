#include <catch2/catch.hpp>

#include <sstream>

#include <nlohmann/json.hpp>

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
      "call_id",         "from",    "to",        "request_uri",   "src",      "dst",        "transport",
      "start",           "ringing", "answered",  "ended",         "outcome",  "completed",  "final_code",
      "final_reason",    "reason",  "srd_s",     "duration_s",    "ended_by", "user_agent", "server",
      "retransmissions", "peer",    "truncated", "record_evicted"};
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
