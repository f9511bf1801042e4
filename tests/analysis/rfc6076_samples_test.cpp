// RFC 6076 figures of the recorded SIPp scenarios (samples/, tests/data/), each worked out by
// hand from what the scenario sends (samples/README.md lists every message).
//
// Counts and ratios are asserted exactly. Delays are asserted against a timeline read from the
// same capture by a deliberately naive reader (first message of a kind per Call-ID), so that
// the expectations stay exact if a sample is re-recorded with other timestamps, plus the bounds
// the scenario's pauses impose.
#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "analysis/engine.h"
#include "analysis/packet_decoder.h"
#include "analysis/sip_parser.h"
#include "outputs/json_report.h"
#include "sources/pcap_file_source.h"

using namespace sipmon;
using Json = nlohmann::ordered_json;

namespace {

std::string sample(const std::string& name) { return std::string(SIPMON_SOURCE_DIR) + "/samples/" + name + ".pcap"; }
std::string test_data(const std::string& name) {
  return std::string(SIPMON_SOURCE_DIR) + "/tests/data/" + name + ".pcap";
}

Report replay(const std::vector<std::string>& paths) {
  auto source = PcapFileSource::open(paths);
  REQUIRE(source.has_value());
  Engine engine;
  source->run(engine);
  REQUIRE(source->read_errors().empty());
  Report report = engine.report();
  REQUIRE(report.rfc6076.has_value());
  REQUIRE(report.dialogs.has_value());
  return report;
}

// Every SIP message of a capture with its time, in capture order.
struct Line {
  double t;
  bool request;
  std::string method;  // request method, or the CSeq method of a response
  int status;
  std::string call_id;
};

class Timeline final : public FrameSink, private PayloadSink {
 public:
  explicit Timeline(const std::string& path) {
    auto source = PcapFileSource::open({path});
    REQUIRE(source.has_value());
    source->run(*this);
  }
  void on_frame(const Frame& frame) override { decoder_.decode(frame, *this); }

  // Time of the first message matching `match` in each call, by Call-ID.
  std::map<std::string, double> first(const std::function<bool(const Line&)>& match) const {
    std::map<std::string, double> out;
    for (const Line& line : lines_) {
      if (match(line)) out.emplace(line.call_id, line.t);
    }
    return out;
  }
  // Per call, first(b) - first(a), for calls that have both.
  std::vector<double> delays(const std::function<bool(const Line&)>& a,
                             const std::function<bool(const Line&)>& b) const {
    const auto start = first(a);
    const auto end = first(b);
    std::vector<double> out;
    for (const auto& [call, t] : start) {
      if (end.count(call)) out.push_back(end.at(call) - t);
    }
    return out;
  }

 private:
  void on_payload(const Payload& payload) override {
    SipMessage m;
    if (parse_sip_message(std::string_view(reinterpret_cast<const char*>(payload.bytes.data()), payload.bytes.size()),
                          m) != SipParseStatus::message) {
      return;
    }
    lines_.push_back(Line{static_cast<double>(payload.ts_ns) * 1e-9, m.is_request,
                          std::string(m.is_request ? m.method : m.cseq_method), m.status_code, std::string(m.call_id)});
  }

  PacketDecoder decoder_;
  std::vector<Line> lines_;
};

std::function<bool(const Line&)> req(std::string method) {
  return [method](const Line& l) { return l.request && l.method == method; };
}
std::function<bool(const Line&)> resp(int status, std::string method) {
  return [status, method](const Line& l) { return !l.request && l.status == status && l.method == method; };
}

void check_delays(const DelayHistogram& h, const std::vector<double>& expected) {
  REQUIRE(h.count() == expected.size());
  double sum = 0, max = 0;
  for (double d : expected) {
    sum += d;
    max = std::max(max, d);
  }
  CHECK(h.sum() == Approx(sum).margin(1e-6));
  CHECK(h.max() == Approx(max).margin(1e-6));
}

// The JSON's rfc6076 object: ratios exactly as users see them (null when undefined).
Json rfc(const Report& report) { return report_to_json(report)["rfc6076"]; }

void check_ratio(const Json& json, const char* key, std::optional<double> expected) {
  CAPTURE(key);
  if (!expected) {
    CHECK(json[key].is_null());
  } else {
    REQUIRE(json[key].is_number());
    CHECK(json[key].get<double>() == Approx(*expected));
  }
}

struct Ratios {
  std::optional<double> ser, seer, isa, scr, asr, ner, ira;
};

void check_ratios(const Report& report, const Ratios& r) {
  const Json json = rfc(report);
  check_ratio(json, "ser", r.ser);
  check_ratio(json, "seer", r.seer);
  check_ratio(json, "isa", r.isa);
  check_ratio(json, "scr", r.scr);
  check_ratio(json, "asr", r.asr);
  check_ratio(json, "ner", r.ner);
  check_ratio(json, "ira", r.ira);
}

void check_dialog_identity(const DialogCounts& d) {
  CHECK(d.established == d.terminated + d.expired + d.evicted + d.active);
}

constexpr auto kNone = std::nullopt;

}  // namespace

TEST_CASE("call-answered: 3 calls answered and hung up", "[rfc6076][samples]") {
  const Report report = replay({sample("call-answered")});
  const SessionCounts& s = report.rfc6076->sessions;
  // 3 INVITEs, each answered 200 and ended by a BYE answered 200.
  CHECK(s.attempts == 3);
  CHECK(s.established == 3);
  CHECK(s.completed == 3);
  CHECK(s.pending == 0);
  // SER = SEER = 3/(3-0) = 100; ISA = 0/3 = 0; SCR = 3/3 = 100; ASR = 100; NER = (3-0)/3 = 100;
  // no REGISTER: IRA undefined.
  check_ratios(report, {100, 100, 0, 100, 100, 100, kNone});
  const Timeline timeline(sample("call-answered"));
  // SRD: INVITE -> 180 (the 100 Trying does not count). SDT: 200 (INVITE) -> BYE, which the
  // UAC sends after its 200 ms pause (-d 200). SDD: BYE -> 200 (BYE).
  check_delays(report.rfc6076->srd, timeline.delays(req("INVITE"), resp(180, "INVITE")));
  check_delays(report.rfc6076->sdt, timeline.delays(resp(200, "INVITE"), req("BYE")));
  check_delays(report.rfc6076->sdd, timeline.delays(req("BYE"), resp(200, "BYE")));
  CHECK(report.rfc6076->sdt.max() >= 0.2);
  CHECK(report.rfc6076->srd_failed.count() == 0);
  CHECK(report.rfc6076->sdd_timeouts == 0);
  CHECK(report.dialogs->established == 3);
  CHECK(report.dialogs->terminated_bye_2xx == 3);
  CHECK(report.dialogs->active == 0);
  check_dialog_identity(*report.dialogs);
}

TEST_CASE("call-busy and call-unavailable: answered by the callee with 486 / 480", "[rfc6076][samples]") {
  for (const auto& [name, status] : {std::pair{"call-busy", 486}, std::pair{"call-unavailable", 480}}) {
    CAPTURE(name);
    const Report report = replay({sample(name)});
    const SessionCounts& s = report.rfc6076->sessions;
    // 2 attempts, both refused by the user: effective (SEER) but not established.
    CHECK(s.attempts == 2);
    CHECK(s.failed == 2);
    CHECK(s.effective == 2);
    CHECK(s.ineffective == 0);
    // SER = 0/2 = 0; SEER = 2/2 = 100; ISA = 0; SCR = 0; ASR = 0; NER = (2-0)/2 = 100.
    check_ratios(report, {0, 100, 0, 0, 0, 100, kNone});
    const Timeline timeline(sample(name));
    check_delays(report.rfc6076->srd_failed, timeline.delays(req("INVITE"), resp(status, "INVITE")));
    CHECK(report.rfc6076->srd.count() == 0);
    CHECK(report.dialogs->established == 0);
  }
}

TEST_CASE("call-redirect: 302 leaves the SER and SEER denominators", "[rfc6076][samples]") {
  const Report report = replay({sample("call-redirect")});
  const SessionCounts& s = report.rfc6076->sessions;
  CHECK(s.attempts == 2);
  CHECK(s.redirected == 2);
  // SER = 0/(2-2): undefined, null (not 0, not NaN). ISA = 0/2; SCR = 0/2; ASR = 0/2; NER = 100.
  check_ratios(report, {kNone, kNone, 0, 0, 0, 100, kNone});
  CHECK(report.rfc6076->srd.count() == 0);
  CHECK(report.rfc6076->srd_failed.count() == 0);  // a redirection is not a failure
}

TEST_CASE("call-cancel: cancelled calls neither establish nor fail ineffectively", "[rfc6076][samples]") {
  const Report report = replay({sample("call-cancel")});
  const SessionCounts& s = report.rfc6076->sessions;
  // INVITE, 100, 180, CANCEL, 200 (CANCEL), 487 (INVITE), ACK; twice.
  CHECK(s.attempts == 2);
  CHECK(s.cancelled == 2);
  CHECK(s.failed == 0);
  CHECK(s.ineffective == 0);
  // SER = 0/2 = 0; SEER = 0/2 = 0; ISA = 0; SCR = 0; ASR = 0; NER = (2-0)/2 = 100.
  check_ratios(report, {0, 0, 0, 0, 0, 100, kNone});
  CHECK(report.rfc6076->srd.count() == 0);
  CHECK(report.rfc6076->srd_failed.count() == 0);  // the 487 times the caller, not the network
  CHECK(report.dialogs->early == 2);               // the 180s
  CHECK(report.dialogs->established == 0);
}

TEST_CASE("call-407-answered: a challenged INVITE and its authenticated retry are one attempt", "[rfc6076][samples]") {
  const Report report = replay({sample("call-407-answered")});
  const SessionCounts& s = report.rfc6076->sessions;
  // 4 INVITEs (2 challenged with 407, 2 re-sent with credentials), 2 answered calls.
  CHECK(report.requests[Method::invite] == 4);
  CHECK(s.attempts == 2);
  CHECK(s.established == 2);
  CHECK(s.failed == 0);
  CHECK(s.completed == 2);
  check_ratios(report, {100, 100, 0, 100, 100, 100, kNone});
  // SRD from the FIRST INVITE (challenge round-trip included) to the 180.
  const Timeline timeline(sample("call-407-answered"));
  check_delays(report.rfc6076->srd, timeline.delays(req("INVITE"), resp(180, "INVITE")));
  const auto challenge = timeline.delays(req("INVITE"), resp(407, "INVITE"));
  REQUIRE(challenge.size() == 2);
  CHECK(report.rfc6076->srd.max() > std::max(challenge[0], challenge[1]));
  CHECK(report.rfc6076->srd_failed.count() == 0);
}

TEST_CASE("call-reinvite: the re-INVITE is neither an attempt nor a new dialog", "[rfc6076][samples]") {
  const Report report = replay({sample("call-reinvite")});
  const SessionCounts& s = report.rfc6076->sessions;
  CHECK(report.requests[Method::invite] == 4);
  CHECK(s.attempts == 2);
  CHECK(s.established == 2);
  CHECK(s.completed == 2);
  check_ratios(report, {100, 100, 0, 100, 100, 100, kNone});
  CHECK(report.dialogs->established == 2);
  CHECK(report.dialogs->terminated_bye_2xx == 2);
  // SDT from the first 200 (INVITE) to the BYE: it spans the re-INVITE and both 300 ms pauses.
  const Timeline timeline(sample("call-reinvite"));
  check_delays(report.rfc6076->sdt, timeline.delays(resp(200, "INVITE"), req("BYE")));
  CHECK(report.rfc6076->sdt.max() >= 0.6);
  check_dialog_identity(*report.dialogs);
}

TEST_CASE("call-retransmit: retransmitted INVITEs do not move any figure", "[rfc6076][samples]") {
  const Report report = replay({sample("call-retransmit")});
  const SessionCounts& s = report.rfc6076->sessions;
  CHECK(report.requests[Method::invite] == 6);  // 2 calls, 2 retransmissions each
  CHECK(s.attempts == 2);
  CHECK(s.established == 2);
  check_ratios(report, {100, 100, 0, 100, 100, 100, kNone});
  // SRD from the first copy: the UAS waits 1.8 s before its 180.
  const Timeline timeline(sample("call-retransmit"));
  check_delays(report.rfc6076->srd, timeline.delays(req("INVITE"), resp(180, "INVITE")));
  CHECK(report.rfc6076->srd.max() >= 1.8);
}

TEST_CASE("call-503: server failures are ineffective attempts", "[rfc6076][samples]") {
  const Report report = replay({sample("call-503")});
  const SessionCounts& s = report.rfc6076->sessions;
  CHECK(s.attempts == 2);
  CHECK(s.ineffective == 2);
  CHECK(s.timeouts == 0);
  // SER = 0/2; SEER = 0/2; ISA = 2/2 = 100; SCR = 0; ASR = 0; NER = (2-2)/2 = 0.
  check_ratios(report, {0, 0, 100, 0, 0, 0, kNone});
  const Timeline timeline(sample("call-503"));
  check_delays(report.rfc6076->srd_failed, timeline.delays(req("INVITE"), resp(503, "INVITE")));
}

TEST_CASE("register-401: challenged then accepted: one successful registration each", "[rfc6076][samples]") {
  const Report report = replay({sample("register-401")});
  const RegistrationCounts& g = report.rfc6076->registrations;
  CHECK(report.requests[Method::register_] == 4);
  CHECK(g.attempts == 2);
  CHECK(g.succeeded == 2);
  CHECK(g.ineffective == 0);
  // No INVITE: every session ratio undefined. IRA = 0/2 = 0.
  check_ratios(report, {kNone, kNone, kNone, kNone, kNone, kNone, 0});
  // RRD from the first REGISTER (the 401 round-trip included) to the 200.
  const Timeline timeline(sample("register-401"));
  check_delays(report.rfc6076->rrd, timeline.delays(req("REGISTER"), resp(200, "REGISTER")));
}

TEST_CASE("register-403: challenged then refused: ineffective registrations", "[rfc6076][samples]") {
  const Report report = replay({sample("register-403")});
  const RegistrationCounts& g = report.rfc6076->registrations;
  CHECK(g.attempts == 2);
  CHECK(g.succeeded == 0);
  CHECK(g.ineffective == 2);
  // IRA = 2/2 = 100.
  check_ratios(report, {kNone, kNone, kNone, kNone, kNone, kNone, 100});
  CHECK(report.rfc6076->rrd.count() == 0);
}

TEST_CASE("options-ping: no calls, no registrations: every ratio is null", "[rfc6076][samples]") {
  const Report report = replay({sample("options-ping")});
  CHECK(report.rfc6076->sessions.attempts == 0);
  CHECK(report.rfc6076->registrations.attempts == 0);
  check_ratios(report, {kNone, kNone, kNone, kNone, kNone, kNone, kNone});
  CHECK(report.dialogs->established == 0);
}

TEST_CASE("call-expired: a call with a 90 s session timer, never refreshed nor ended, expires", "[rfc6076][samples]") {
  // tests/data/record-call-expired.sh: INVITE, 100, 180, 200 (Session-Expires: 90), ACK; an
  // OPTIONS ping 100 s later carries packet time past the expiry.
  const Report report = replay({test_data("call-expired")});
  const SessionCounts& s = report.rfc6076->sessions;
  CHECK(s.attempts == 1);
  CHECK(s.established == 1);
  CHECK(s.completed == 0);
  // SER = 1/1 = 100; SCR = 0/1 = 0 (no BYE).
  check_ratios(report, {100, 100, 0, 0, 100, 100, kNone});
  CHECK(report.dialogs->established == 1);
  CHECK(report.dialogs->expired == 1);
  CHECK(report.dialogs->active == 0);
  CHECK(report.dialogs->terminated == 0);
  CHECK(report.rfc6076->sdt.count() == 0);
  CHECK(report.rfc6076->sdd.count() == 0);
  check_dialog_identity(*report.dialogs);
}

TEST_CASE("the same call without the later ping is still active at the end of the input", "[rfc6076][samples]") {
  // Only the first 5 packets: the input ends 2 ms after the 200 OK, long before its expiry.
  Engine engine;
  auto source = PcapFileSource::open({test_data("call-expired")});
  REQUIRE(source.has_value());
  struct FirstFrames final : FrameSink {
    Engine& engine;
    int left;
    FirstFrames(Engine& e, int n) : engine(e), left(n) {}
    void on_frame(const Frame& frame) override {
      if (left-- > 0) engine.on_frame(frame);
    }
  } first_five(engine, 5);
  source->run(first_five);
  const Report report = engine.report();
  CHECK(report.dialogs->established == 1);
  CHECK(report.dialogs->active == 1);
  CHECK(report.dialogs->expired == 0);
}

TEST_CASE("call-lost: SIPp dropping 10% of messages moves no count", "[rfc6076][samples]") {
  // The recording is random (see samples/README.md): only what holds for every recording.
  const Report report = replay({sample("call-lost")});
  const SessionCounts& s = report.rfc6076->sessions;
  CHECK(s.attempts == 10);
  CHECK(s.established == 10);
  CHECK(report.dialogs->established == 10);
  // Each call's BYE is timed once, however often it was retransmitted.
  CHECK(report.rfc6076->sdd.count() + report.rfc6076->sdd_timeouts + report.dialogs->active == 10);
  check_dialog_identity(*report.dialogs);
}

TEST_CASE("all samples replayed together add up: counts merge across files", "[rfc6076][samples]") {
  const Report report =
      replay({sample("call-answered"), sample("call-busy"), sample("call-redirect"), sample("call-cancel"),
              sample("call-407-answered"), sample("call-503"), sample("register-401"), sample("register-403")});
  const SessionCounts& s = report.rfc6076->sessions;
  // attempts 3 + 2 + 2 + 2 + 2 + 2 = 13; established 3 + 2 = 5; redirected 2; effective 5 + 2 (486);
  // ineffective 2 (503); completed 5.
  CHECK(s.attempts == 13);
  CHECK(s.established == 5);
  CHECK(s.redirected == 2);
  CHECK(s.effective == 7);
  CHECK(s.ineffective == 2);
  CHECK(s.completed == 5);
  // SER = 5/(13-2) = 45.454545; SEER = 7/11 = 63.636364; ISA = 2/13 = 15.384615;
  // SCR = 5/13 = 38.461538; ASR = 5/13; NER = 11/13 = 84.615385; IRA = 2/4 = 50.
  check_ratios(report, {500.0 / 11, 700.0 / 11, 200.0 / 13, 500.0 / 13, 500.0 / 13, 1100.0 / 13, 50});
}
