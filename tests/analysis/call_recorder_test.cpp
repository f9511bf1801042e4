#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "analysis/engine.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kT0 = 1'700'000'000 * kSecond;

// A copy of each record: the views die with the sink call.
struct Kept {
  std::string call_id, from, to, request_uri, user_agent, server, final_reason, reason_text;
  CallOutcome outcome;
  bool completed;
  std::uint16_t final_code;
  std::uint8_t reason_protocol;
  std::int32_t reason_cause;
  std::int64_t start_ns, ringing_ns, answered_ns, ended_ns, srd_ns, duration_ns;
  EndedBy ended_by;
  std::uint32_t retransmissions;
  std::uint16_t truncated;
  bool record_evicted;
  std::vector<CallMessage> messages;
  bool messages_truncated;
  std::vector<std::string> texts;  // raw text per message ("<none>": not kept); empty: none given
  std::vector<std::uint32_t> sizes;
};

struct Collect final : CallRecordSink {
  std::vector<Kept> records;
  void on_call_record(const CallRecord& r) override {
    records.push_back(Kept{std::string(r.string(CallString::call_id)),
                           std::string(r.string(CallString::from)),
                           std::string(r.string(CallString::to)),
                           std::string(r.string(CallString::request_uri)),
                           std::string(r.string(CallString::user_agent)),
                           std::string(r.string(CallString::server)),
                           std::string(r.string(CallString::final_reason)),
                           std::string(r.string(CallString::reason_text)),
                           r.outcome,
                           r.completed,
                           r.final_code,
                           r.reason_protocol,
                           r.reason_cause,
                           r.start_ns,
                           r.ringing_ns,
                           r.answered_ns,
                           r.ended_ns,
                           r.srd_ns,
                           r.duration_ns,
                           r.ended_by,
                           r.retransmissions,
                           r.truncated_strings,
                           r.record_evicted,
                           std::vector<CallMessage>(r.messages.begin(), r.messages.end()),
                           r.messages_truncated,
                           {},
                           {}});
    for (const CallMessageText& t : r.message_texts) {
      records.back().texts.push_back(t.kept ? std::string(t.text) : std::string("<none>"));
      records.back().sizes.push_back(t.size);
    }
  }
};

std::string headers(std::string_view call_id, std::string_view from_tag, std::string_view to_tag, int cseq,
                    std::string_view method, bool from_callee = false) {
  std::string from = "\"Alice\" <sip:alice@example.test;user=phone>;tag=" + std::string(from_tag);
  std::string to = "<sip:bob@example.test>" + (to_tag.empty() ? std::string() : ";tag=" + std::string(to_tag));
  if (from_callee) std::swap(from, to);
  return "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" + std::string(method) + std::to_string(cseq) +
         "\r\nFrom: " + from + "\r\nTo: " + to + "\r\nCall-ID: " + std::string(call_id) +
         "\r\nCSeq: " + std::to_string(cseq) + " " + std::string(method) + "\r\n";
}

class Call {
 public:
  Call(Engine& engine, std::string call_id) : engine_(engine), id_(std::move(call_id)) {}
  Call& invite(double t, int cseq = 1, std::string_view extra = "User-Agent: Linphone/5.2 (belle-sip)\r\n") {
    return send(t, "INVITE sip:bob@example.test;transport=udp SIP/2.0\r\n" + headers(id_, "a", "", cseq, "INVITE") +
                       std::string(extra) + "Content-Length: 0\r\n\r\n");
  }
  Call& reply(double t, int code, std::string_view phrase, std::string_view extra = {}, int cseq = 1,
              std::string_view method = "INVITE", bool callee_request = false) {
    return send(t,
                "SIP/2.0 " + std::to_string(code) + " " + std::string(phrase) + "\r\n" +
                    headers(id_, "a", code == 100 ? "" : "b", cseq, method, callee_request) + std::string(extra) +
                    "Content-Length: 0\r\n\r\n",
                true);
  }
  Call& request(double t, std::string_view method, int cseq, std::string_view extra = {}, bool from_callee = false) {
    const bool in_dialog = method != "CANCEL";
    return send(t,
                std::string(method) + " sip:x@example.test SIP/2.0\r\n" +
                    headers(id_, "a", in_dialog ? "b" : "", cseq, method, from_callee) + std::string(extra) +
                    "Content-Length: 0\r\n\r\n",
                from_callee);
  }

  // The messages as sent, for raw text checks.
  std::vector<std::string> sent;

 private:
  Call& send(double t, const std::string& text, bool backwards = false) {
    sent.push_back(text);
    UdpSpec spec;
    if (backwards) std::swap(spec.src_last_octet, spec.dst_last_octet);
    const auto frame = sip_udp_frame(text, spec);
    engine_.on_frame(make_frame(frame, LinkType::ethernet, kT0 + static_cast<std::int64_t>(t * 1e9)));
    return *this;
  }
  Engine& engine_;
  std::string id_;
};

struct Fixture {
  explicit Fixture(CallRecorderConfig recorder = {}, std::size_t max_attempts = 1u << 10) {
    EngineConfig config;
    config.call_records = &sink;
    config.recorder = recorder;
    config.calls.max_session_attempts = max_attempts;
    engine = std::make_unique<Engine>(config);
  }
  Collect sink;
  std::unique_ptr<Engine> engine;
};

}  // namespace

TEST_CASE("call records: an answered call is written when its BYE is answered", "[calls]") {
  Fixture f;
  Call call(*f.engine, "c1@example.test");
  call.invite(0).reply(0.01, 100, "Trying").reply(0.5, 180, "Ringing", "Server: Asterisk PBX 18.1\r\n");
  call.reply(3, 200, "OK").request(3.1, "ACK", 1);
  REQUIRE(f.sink.records.empty());  // still in the call
  call.request(63, "BYE", 2, "Reason: Q.850;cause=16;text=\"Normal call clearing\"\r\n");
  REQUIRE(f.sink.records.empty());  // the BYE is not answered yet
  call.reply(63.02, 200, "OK", {}, 2, "BYE");
  REQUIRE(f.sink.records.size() == 1);
  const Kept& r = f.sink.records[0];
  CHECK(r.call_id == "c1@example.test");
  CHECK(r.from == "sip:alice@example.test");  // no display name, brackets or parameters
  CHECK(r.to == "sip:bob@example.test");
  CHECK(r.request_uri == "sip:bob@example.test");
  CHECK(r.user_agent == "Linphone/5.2 (belle-sip)");
  CHECK(r.server == "Asterisk PBX 18.1");
  CHECK(r.outcome == CallOutcome::established);
  CHECK(r.completed);
  CHECK(r.final_code == 200);
  CHECK(r.final_reason == "OK");
  CHECK(r.start_ns == kT0);
  CHECK(r.ringing_ns == kT0 + kSecond / 2);
  CHECK(r.answered_ns == kT0 + 3 * kSecond);
  CHECK(r.ended_ns == kT0 + 63 * kSecond);
  CHECK(r.srd_ns == kSecond / 2);  // to the 180, RFC 6076 §4.3.1
  CHECK(r.duration_ns == 60 * kSecond);
  CHECK(r.ended_by == EndedBy::caller);
  CHECK(r.reason_protocol == 1);
  CHECK(r.reason_cause == 16);
  CHECK(r.reason_text == "Normal call clearing");
  CHECK(r.retransmissions == 0);
}

TEST_CASE("call records: failures are written at their final response, with its Reason", "[calls]") {
  Fixture f;
  Call(*f.engine, "busy").invite(0).reply(0.2, 486, "Busy Here");
  Call(*f.engine, "down").invite(1).reply(1.5, 503, "Service Unavailable", "Reason: Q.850;cause=34\r\n");
  Call(*f.engine, "moved").invite(2).reply(2.1, 302, "Moved Temporarily");
  REQUIRE(f.sink.records.size() == 3);
  CHECK(f.sink.records[0].outcome == CallOutcome::failed);
  CHECK(f.sink.records[0].final_code == 486);
  CHECK(f.sink.records[0].srd_ns == kSecond / 5);  // failed SRD, §4.3.2
  CHECK(f.sink.records[1].outcome == CallOutcome::ineffective);
  CHECK(f.sink.records[1].reason_cause == 34);
  CHECK(f.sink.records[2].outcome == CallOutcome::redirected);
  CHECK(f.sink.records[2].srd_ns == -1);  // a redirection is no failure: no SRD
}

TEST_CASE("call records: a cancelled call keeps the CANCEL's Reason", "[calls]") {
  Fixture f;
  Call call(*f.engine, "cancel");
  call.invite(0).reply(0.1, 180, "Ringing");
  call.request(5, "CANCEL", 1, "Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n");
  call.reply(5.1, 487, "Request Terminated");
  REQUIRE(f.sink.records.size() == 1);
  CHECK(f.sink.records[0].outcome == CallOutcome::cancelled);
  CHECK(f.sink.records[0].reason_protocol == 2);
  CHECK(f.sink.records[0].reason_cause == 200);
  CHECK(f.sink.records[0].srd_ns == -1);
}

TEST_CASE("call records: a challenge continues the attempt, the retry's outcome decides", "[calls]") {
  Fixture f;
  Call call(*f.engine, "auth");
  call.invite(0).reply(0.05, 407, "Proxy Authentication Required").request(0.06, "ACK", 1);
  call.invite(0.1, 2).reply(0.2, 180, "Ringing", {}, 2).reply(1, 200, "OK", {}, 2);
  call.request(2, "BYE", 3, {}, true).reply(2.01, 200, "OK", {}, 3, "BYE", true);
  REQUIRE(f.sink.records.size() == 1);
  CHECK(f.sink.records[0].outcome == CallOutcome::established);
  CHECK(f.sink.records[0].final_code == 200);
  CHECK(f.sink.records[0].srd_ns == kSecond / 5);  // from the first INVITE
  CHECK(f.sink.records[0].ended_by == EndedBy::callee);
  CHECK(f.sink.records[0].completed);
}

TEST_CASE("call records: timeouts, retransmissions, and what is open at the end", "[calls]") {
  Fixture f;
  Call lost(*f.engine, "lost");
  lost.invite(0).invite(0.5).invite(1.5);  // Timer A retransmissions, then nothing
  Call open(*f.engine, "open");
  open.invite(10).reply(10.1, 180, "Ringing").reply(11, 200, "OK");
  Call late(*f.engine, "late");
  late.invite(40);  // 40 > 32 s: "lost" times out (Timer B)
  REQUIRE(f.sink.records.size() == 1);
  CHECK(f.sink.records[0].outcome == CallOutcome::timeout);
  CHECK(f.sink.records[0].final_code == 0);
  CHECK(f.sink.records[0].retransmissions == 2);
  f.engine->finish();
  REQUIRE(f.sink.records.size() == 3);
  CHECK(f.sink.records[1].call_id == "open");
  CHECK(f.sink.records[1].outcome == CallOutcome::established);
  CHECK(f.sink.records[1].ended_ns == kNoTime);
  CHECK(f.sink.records[2].outcome == CallOutcome::pending);
}

TEST_CASE("call records: attempts evicted from a full attempt table are written as evicted", "[calls]") {
  Fixture f({}, 2);
  for (int i = 0; i < 5; ++i) Call(*f.engine, "flood" + std::to_string(i)).invite(i * 0.001);
  REQUIRE(f.sink.records.size() == 3);
  for (const Kept& r : f.sink.records) CHECK(r.outcome == CallOutcome::evicted);
  CHECK(f.engine->report().table_evictions[EvictingTable::session_attempts] == 3);
  f.engine->finish();
  CHECK(f.sink.records.size() == 5);
}

TEST_CASE("call records: a full record table writes its oldest record early and counts it", "[calls]") {
  Fixture f(CallRecorderConfig{.max_records = 2});
  for (int i = 0; i < 3; ++i) Call(*f.engine, "r" + std::to_string(i)).invite(i * 0.001);
  REQUIRE(f.sink.records.size() == 1);
  CHECK(f.sink.records[0].call_id == "r0");
  CHECK(f.sink.records[0].record_evicted);
  CHECK(f.sink.records[0].outcome == CallOutcome::pending);
  CHECK(f.engine->report().table_evictions[EvictingTable::call_records] == 1);
  CHECK(f.engine->report().table_evictions[EvictingTable::session_attempts] == 0);
}

TEST_CASE("call records: long strings are cut to their budget and flagged", "[calls]") {
  Fixture f;
  const std::string long_id(200, 'x');
  Call(*f.engine, long_id).invite(0, 1, "User-Agent: " + std::string(100, 'u') + "\r\n").reply(0.1, 486, "Busy");
  REQUIRE(f.sink.records.size() == 1);
  const Kept& r = f.sink.records[0];
  CHECK(r.call_id == long_id.substr(0, kCallStringBudget[0]));
  CHECK(r.user_agent.size() == kCallStringBudget[static_cast<std::size_t>(CallString::user_agent)]);
  CHECK((r.truncated >> static_cast<unsigned>(CallString::call_id)) & 1u);
  CHECK((r.truncated >> static_cast<unsigned>(CallString::user_agent)) & 1u);
  CHECK_FALSE((r.truncated >> static_cast<unsigned>(CallString::from)) & 1u);
}

TEST_CASE("call records: --calls-messages keeps the first 32 messages and says when there were more", "[calls]") {
  Fixture f(CallRecorderConfig{.messages = true});
  Call call(*f.engine, "ladder");
  call.invite(0).invite(0.5).reply(0.6, 180, "Ringing");
  for (int i = 0; i < 40; ++i) call.reply(0.7 + i * 0.01, 183, "Session Progress");
  call.reply(2, 486, "Busy Here");
  CHECK(f.sink.records.empty());  // waits for the ACK of its 486
  call.request(2.01, "ACK", 1);
  REQUIRE(f.sink.records.size() == 1);
  const Kept& r = f.sink.records[0];
  REQUIRE(r.messages.size() == kMaxCallMessages);
  CHECK(r.messages_truncated);
  CHECK(r.messages[0].method == Method::invite);
  CHECK(r.messages[0].status_code == 0);
  CHECK_FALSE(r.messages[0].retransmission);
  CHECK(r.messages[1].retransmission);
  CHECK(r.messages[2].status_code == 180);
  CHECK(r.messages[2].src.port == 5060);
}

TEST_CASE("call records: with messages, a failed attempt's ladder ends with the ACK of its final response", "[calls]") {
  Fixture f(CallRecorderConfig{.messages = true});
  Call call(*f.engine, "busy");
  call.invite(0).reply(0.01, 100, "Trying").reply(0.2, 486, "Busy Here");
  CHECK(f.sink.records.empty());
  call.reply(0.7, 486, "Busy Here");  // the UAS retransmits: the ACK was late
  call.request(0.71, "ACK", 1);
  REQUIRE(f.sink.records.size() == 1);
  const Kept& r = f.sink.records[0];
  CHECK(r.outcome == CallOutcome::failed);
  CHECK(r.final_code == 486);
  CHECK(r.retransmissions == 0);  // the fields are those of the attempt as it closed
  REQUIRE(r.messages.size() == 5);
  CHECK(r.messages[2].status_code == 486);
  CHECK(r.messages[3].status_code == 486);
  CHECK(r.messages[3].retransmission);
  CHECK(r.messages[4].method == Method::ack);
  CHECK(r.messages[4].status_code == 0);
  CHECK(r.messages[4].ts_ns == kT0 + 710'000'000);
}

TEST_CASE("call records: CANCEL, 200, 487 and its ACK all on the ladder", "[calls]") {
  Fixture f(CallRecorderConfig{.messages = true});
  Call call(*f.engine, "cancelled");
  call.invite(0).reply(0.01, 100, "Trying").reply(0.2, 180, "Ringing");
  call.request(3, "CANCEL", 1).reply(3.01, 200, "OK", {}, 1, "CANCEL").reply(3.02, 487, "Request Terminated");
  CHECK(f.sink.records.empty());
  call.request(3.03, "ACK", 1);
  REQUIRE(f.sink.records.size() == 1);
  const Kept& r = f.sink.records[0];
  CHECK(r.outcome == CallOutcome::cancelled);
  REQUIRE(r.messages.size() == 7);
  CHECK(r.messages[3].method == Method::cancel);
  CHECK(r.messages[4].status_code == 200);
  CHECK(r.messages[4].method == Method::cancel);
  CHECK(r.messages[5].status_code == 487);
  CHECK(r.messages[6].method == Method::ack);
}

TEST_CASE("call records: a failed attempt whose ACK never comes is written 32 s later, or at the end", "[calls]") {
  Fixture f(CallRecorderConfig{.messages = true});
  Call(*f.engine, "no-ack-1").invite(0).reply(0.2, 503, "Service Unavailable");
  Call(*f.engine, "no-ack-2").invite(10).reply(10.2, 503, "Service Unavailable");
  Call(*f.engine, "later").invite(32.3);  // 32 s after the first 503 (at 0.2)
  REQUIRE(f.sink.records.size() == 1);    // the first waited its 32 s, the second still waits
  CHECK(f.sink.records[0].call_id == "no-ack-1");
  CHECK(f.sink.records[0].messages.size() == 2);
  f.engine->finish();
  REQUIRE(f.sink.records.size() == 3);
  CHECK(f.sink.records[1].call_id == "no-ack-2");
  CHECK(f.sink.records[1].outcome == CallOutcome::ineffective);
}

TEST_CASE("call records: without messages, a failed attempt is written at its final response", "[calls]") {
  Fixture f;
  Call(*f.engine, "busy").invite(0).reply(0.2, 486, "Busy Here");
  CHECK(f.sink.records.size() == 1);
}

TEST_CASE("call records: raw text is kept for the first N records of the chosen outcomes only", "[calls]") {
  constexpr std::uint32_t kFailed = 1u << static_cast<unsigned>(CallOutcome::failed);
  Fixture f(CallRecorderConfig{.messages = true, .raw_calls = 1, .raw_outcomes = kFailed});
  Call answered(*f.engine, "answered");
  answered.invite(0).reply(0.1, 200, "OK").request(0.2, "ACK", 1);
  Call first(*f.engine, "first-failed");
  // A message longer than the per-message cap: its text is cut, its size is the whole.
  first.invite(1, 1, "X-Long: " + std::string(5000, 'x') + "\r\n").reply(1.1, 486, "Busy Here").request(1.2, "ACK", 1);
  Call second(*f.engine, "second-failed");
  second.invite(2).reply(2.1, 486, "Busy Here").request(2.2, "ACK", 1);
  answered.request(3, "BYE", 2).reply(3.1, 200, "OK", {}, 2, "BYE");
  REQUIRE(f.sink.records.size() == 3);
  const Kept& r1 = f.sink.records[0];
  REQUIRE(r1.call_id == "first-failed");
  REQUIRE(r1.texts.size() == 3);
  CHECK(r1.sizes[0] == first.sent[0].size());
  CHECK(r1.texts[0] == first.sent[0].substr(0, kMaxRawMessageBytes));
  CHECK(r1.texts[1] == first.sent[1]);
  CHECK(r1.texts[2] == first.sent[2]);
  CHECK(f.sink.records[1].call_id == "second-failed");
  CHECK(f.sink.records[1].texts.empty());  // the quota of one was spent
  CHECK(f.sink.records[2].call_id == "answered");
  CHECK(f.sink.records[2].texts.empty());  // established: not a shown outcome
}

TEST_CASE("call records: a full raw text pool leaves later messages without text", "[calls]") {
  Fixture f(CallRecorderConfig{
      .messages = true, .raw_calls = 10, .raw_outcomes = 0xffffffffu, .raw_pool_bytes = 2 * kRawChunkBytes});
  Call call(*f.engine, "small-pool");
  call.invite(0, 1, "X-Pad: " + std::string(150, 'p') + "\r\n").reply(0.1, 486, "Busy Here").request(0.2, "ACK", 1);
  REQUIRE(f.sink.records.size() == 1);
  const Kept& r = f.sink.records[0];
  REQUIRE(r.texts.size() == 3);
  REQUIRE(call.sent[0].size() > kRawChunkBytes);
  REQUIRE(call.sent[0].size() <= 2 * kRawChunkBytes);
  CHECK(r.texts[0] == call.sent[0]);  // two chunks: the whole pool
  CHECK(r.texts[1] == "<none>");
  CHECK(r.texts[2] == "<none>");
}
