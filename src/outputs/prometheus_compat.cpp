#include "outputs/prometheus_compat.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>

#include "analysis/sip_method.h"
#include "outputs/prometheus_slots.h"
#include "sipmon/version.h"

namespace sipmon {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

constexpr std::string_view kOtherCarrier = "other";
// Carrier names come from the --peers file; the bound only guards the registry against any other
// source of names (past it, figures go to "other").
constexpr std::size_t kMaxCarriers = 257;
// The Go exporter's values of its other base labels when it has no User-Agent file, no GeoIP
// database and no number prefix: the dashboard's variables then find the same single values.
constexpr std::string_view kUaType = "other";
constexpr std::string_view kCountry = "unknown";

// The status codes sip-exporter v1.11.0 counts, each as its own family; 407 has a name of its own.
constexpr std::array<std::uint16_t, 30> kCodes = {100, 180, 181, 182, 183, 200, 202, 300, 302, 400,
                                                  401, 403, 404, 405, 407, 408, 480, 481, 486, 487,
                                                  488, 500, 501, 502, 503, 504, 600, 603, 604, 606};

std::string code_metric_name(std::uint16_t code) {
  return code == 407 ? "sip_exporter_proxy_authentication_required_total"
                     : "sip_exporter_" + std::to_string(code) + "_total";
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return static_cast<char>(c | 0x20); });
  return out;
}

std::uint64_t code_count(const StatusCounts& counts, std::uint16_t code) { return count_of(counts, code); }

// One carrier's figures, as far as sipmon has them for it.
struct CarrierFigures {
  std::array<std::uint64_t, kKnownMethodCount> requests{};  // on the wire, retransmissions included
  StatusCounts responses;                                   // on the wire, by code
  // Session and registration figures: the whole run's without --peers. With --peers they are not
  // split per peer yet (docs/prometheus.md), so the families built on them are left out.
  const Rfc6076Report* rfc6076 = nullptr;
  const DialogCounts* dialogs = nullptr;
  const ResponseCounts* responses_by_method = nullptr;  // REGISTER failures by code
};

std::map<std::string, CarrierFigures, std::less<>> carriers_of(const Report& report) {
  std::map<std::string, CarrierFigures, std::less<>> carriers;
  if (report.peers.empty()) {
    CarrierFigures& all = carriers[std::string(kOtherCarrier)];
    for (std::size_t m = 0; m < kKnownMethodCount; ++m) all.requests[m] = report.requests[static_cast<Method>(m)];
    all.responses = report.responses.by_code();
    all.rfc6076 = report.rfc6076 ? &*report.rfc6076 : nullptr;
    all.dialogs = report.dialogs ? &*report.dialogs : nullptr;
    all.responses_by_method = &report.responses;
    return carriers;
  }
  for (const auto& [name, counts] : report.peers) {
    const bool fits = carriers.contains(name) || carriers.size() + 1 < kMaxCarriers;
    CarrierFigures& carrier = carriers[fits ? name : std::string(kOtherCarrier)];
    for (std::size_t m = 0; m < kKnownMethodCount; ++m) carrier.requests[m] += counts.requests[m];
    for (const StatusCount& s : counts.responses) {
      auto it = std::find_if(carrier.responses.begin(), carrier.responses.end(),
                             [&s](const StatusCount& c) { return c.code == s.code; });
      if (it == carrier.responses.end()) {
        carrier.responses.push_back(s);
      } else {
        it->count += s.count;
      }
    }
  }
  return carriers;
}

// The families, registered once; each carrier's series are added when the carrier first appears.
struct Families {
  std::array<Family<Counter>*, kKnownMethodCount> methods{};  // INVITE's slot unused: invite_total is attempts
  std::array<Family<Counter>*, kCodes.size()> codes{};
  Family<Counter>* invite = nullptr;
  Family<Counter>* invite_200 = nullptr;
  Family<Counter>* invite_3xx = nullptr;
  Family<Counter>* sdc = nullptr;
  Family<Counter>* iss = nullptr;
  Family<Gauge>* ser = nullptr;
  Family<Gauge>* seer = nullptr;
  Family<Gauge>* isa = nullptr;
  Family<Gauge>* scr = nullptr;
  Family<Gauge>* asr = nullptr;
  Family<Gauge>* ner = nullptr;
  Family<Gauge>* sessions = nullptr;
  Family<Counter>* register_success = nullptr;
  Family<Counter>* register_failure = nullptr;
  Family<Histogram>* rrd = nullptr;
  Family<Histogram>* pdd = nullptr;
  Family<Histogram>* pbd = nullptr;
  Family<Histogram>* spd = nullptr;

  explicit Families(prometheus::Registry& r) {
    for (std::size_t m = 0; m < kKnownMethodCount; ++m) {
      if (static_cast<Method>(m) == Method::invite) continue;
      const std::string method(method_name(static_cast<Method>(m)));
      methods[m] = &counter_family(r, "sip_exporter_" + lower(method) + "_total",
                                   "sip-exporter compatibility: " + method +
                                       " requests on the wire (sipmon_peer_sip_requests_total, or "
                                       "sipmon_sip_requests_total without --peers).");
    }
    for (std::size_t c = 0; c < kCodes.size(); ++c) {
      const std::string code = std::to_string(kCodes[c]);
      codes[c] = &counter_family(r, code_metric_name(kCodes[c]),
                                 "sip-exporter compatibility: " + code +
                                     " responses on the wire (sipmon_peer_sip_responses_total, or "
                                     "sipmon_sip_responses_total without --peers).");
    }
    invite = &counter_family(r, "sip_exporter_invite_total",
                             "sip-exporter compatibility: session attempts (sipmon_session_attempts_total): initial "
                             "INVITEs, no re-INVITE, retransmission or authenticated retry.");
    invite_200 = &counter_family(r, "sip_exporter_invite_200_total",
                                 "sip-exporter compatibility: session attempts answered 2xx "
                                 "(sipmon_sessions_established_total).");
    invite_3xx = &counter_family(r, "sip_exporter_invite_3xx_total",
                                 "sip-exporter compatibility: session attempts ended by a 3xx "
                                 "(sipmon_sessions_redirected_total).");
    sdc = &counter_family(r, "sip_exporter_sdc_total",
                          "sip-exporter compatibility: established sessions that ended, by BYE or otherwise "
                          "(sipmon_session_attempts_closed_total{outcome=~\"completed|established\"}).");
    iss = &counter_family(r, "sip_exporter_iss_total",
                          "sip-exporter compatibility: ineffective session attempts: 408, 500, 503, 504 and Timer "
                          "B/C timeouts (sipmon_session_attempts_ineffective_total).");
    auto ratio = [&r](const char* name, const char* what) {
      return &gauge_family(r, name,
                           std::string("sip-exporter compatibility: ") + what +
                               " in percent over the whole run; prefer the PromQL of docs/prometheus.md.");
    };
    ser = ratio("sip_exporter_ser", "RFC 6076 SER, established / (attempts - redirected),");
    seer = ratio("sip_exporter_seer", "RFC 6076 SEER, effective / (attempts - redirected),");
    isa = ratio("sip_exporter_isa", "RFC 6076 ISA, ineffective / attempts,");
    scr = ratio("sip_exporter_scr", "RFC 6076 SCR, ended sessions / attempts,");
    asr = ratio("sip_exporter_asr", "ITU-T E.411 ASR, established / attempts,");
    ner = ratio("sip_exporter_ner", "NER, (attempts - ineffective) / attempts,");
    sessions = &gauge_family(r, "sip_exporter_sessions",
                             "sip-exporter compatibility: active dialogs "
                             "(sipmon_dialogs_active).");
    register_success = &counter_family(r, "sip_exporter_register_success_total",
                                       "sip-exporter compatibility: registration attempts answered 2xx "
                                       "(sipmon_registrations_succeeded_total).");
    register_failure = &counter_family(r, "sip_exporter_register_failure_total",
                                       "sip-exporter compatibility: responses >= 300 to REGISTER by code, 401 and "
                                       "407 included (sipmon_sip_responses_total{method=\"REGISTER\"}).");
    rrd = &histogram_family(r, "sip_exporter_rrd",
                            "sip-exporter compatibility: RFC 6076 RRD in milliseconds "
                            "(sipmon_registration_request_delay_seconds).");
    pdd = &histogram_family(r, "sip_exporter_pdd",
                            "sip-exporter compatibility: post-dial delay in milliseconds, RFC 6076 SRD of successful "
                            "attempts (sipmon_session_request_delay_seconds{outcome=\"success\"}).");
    pbd = &histogram_family(r, "sip_exporter_pbd",
                            "sip-exporter compatibility: BYE to its final response in milliseconds, RFC 6076 SDD "
                            "(sipmon_session_disconnect_delay_seconds).");
    spd = &histogram_family(r, "sip_exporter_spd",
                            "sip-exporter compatibility: session duration in seconds, RFC 6076 SDT "
                            "(sipmon_session_duration_seconds).");
  }
};

// One carrier's series.
struct CarrierSlots {
  prometheus::Labels labels;
  std::array<CounterSlot, kKnownMethodCount> methods{};
  std::array<CounterSlot, kCodes.size()> codes{};
  // Built on session figures: created the first time the carrier has them.
  bool sessions_created = false;
  CounterSlot invite, invite_200, invite_3xx, sdc, iss, register_success;
  Gauge* ser = nullptr;
  Gauge* seer = nullptr;
  Gauge* isa = nullptr;
  Gauge* scr = nullptr;
  Gauge* asr = nullptr;
  Gauge* ner = nullptr;
  HistogramSlot rrd, pdd, pbd, spd;
  Gauge* active = nullptr;
  std::map<std::uint16_t, CounterSlot> register_failures;  // created when a code is first seen

  CarrierSlots(const Families& f, const std::string& carrier)
      : labels{{"carrier", carrier}, {"ua_type", std::string(kUaType)}, {"source_country", std::string(kCountry)}} {
    for (std::size_t m = 0; m < kKnownMethodCount; ++m) {
      if (f.methods[m] != nullptr) methods[m].counter = &f.methods[m]->Add(labels);
    }
    // Every code at 0 included: sipmon saw each response, so a 0 was counted, and the
    // dashboard's sums over several codes need every term.
    for (std::size_t c = 0; c < kCodes.size(); ++c) codes[c].counter = &f.codes[c]->Add(labels);
  }

  void create_session_series(const Families& f) {
    prometheus::Labels invite_labels = labels;
    invite_labels.emplace("destination_country", std::string(kCountry));
    invite.counter = &f.invite->Add(invite_labels);
    invite_200.counter = &f.invite_200->Add(invite_labels);
    invite_3xx.counter = &f.invite_3xx->Add(labels);
    sdc.counter = &f.sdc->Add(labels);
    iss.counter = &f.iss->Add(labels);
    register_success.counter = &f.register_success->Add(labels);
    rrd = HistogramSlot{&f.rrd->Add(labels, delay_bounds(1000)), 1000};
    pdd = HistogramSlot{&f.pdd->Add(labels, delay_bounds(1000)), 1000};
    pbd = HistogramSlot{&f.pbd->Add(labels, delay_bounds(1000)), 1000};
    spd = HistogramSlot{&f.spd->Add(labels, delay_bounds()), 1};
    sessions_created = true;
  }

  // A ratio in percent; with no denominator the series stays out (the Go exporter shows 0, which
  // reads as an outage).
  void set_ratio(Family<Gauge>& family, Gauge*& gauge, std::uint64_t numerator, std::uint64_t denominator) {
    if (denominator == 0) return;
    if (gauge == nullptr) gauge = &family.Add(labels);
    gauge->Set(100.0 * static_cast<double>(std::min(numerator, denominator)) / static_cast<double>(denominator));
  }

  void update(const Families& f, const CarrierFigures& figures) {
    for (std::size_t m = 0; m < kKnownMethodCount; ++m) methods[m].set(figures.requests[m]);
    for (std::size_t c = 0; c < kCodes.size(); ++c) codes[c].set(code_count(figures.responses, kCodes[c]));
    if (figures.dialogs != nullptr) {
      if (active == nullptr) active = &f.sessions->Add(labels);
      active->Set(static_cast<double>(figures.dialogs->active));
    }
    if (figures.responses_by_method != nullptr) {
      for (const StatusCount& s : (*figures.responses_by_method)[Method::register_]) {
        if (s.code < 300 || s.code > 699) continue;
        auto [it, added] = register_failures.try_emplace(s.code);
        if (added) {
          prometheus::Labels code_labels = labels;
          code_labels.emplace("code", std::to_string(s.code));
          it->second.counter = &f.register_failure->Add(code_labels);
        }
        it->second.set(s.count);
      }
    }
    if (figures.rfc6076 == nullptr) return;
    if (!sessions_created) create_session_series(f);
    const Rfc6076Report& r = *figures.rfc6076;
    const SessionCounts& s = r.sessions;
    const std::uint64_t ended = s.closed[ClosedOutcome::completed] + s.closed[ClosedOutcome::established];
    invite.set(s.attempts);
    invite_200.set(s.established);
    invite_3xx.set(s.redirected);
    sdc.set(ended);
    iss.set(s.ineffective);
    register_success.set(r.registrations.succeeded);
    const std::uint64_t not_redirected = s.attempts - std::min(s.redirected, s.attempts);
    set_ratio(*f.ser, ser, s.established, not_redirected);
    set_ratio(*f.seer, seer, s.effective, not_redirected);
    set_ratio(*f.isa, isa, s.ineffective, s.attempts);
    set_ratio(*f.scr, scr, ended, s.attempts);
    set_ratio(*f.asr, asr, s.established, s.attempts);
    set_ratio(*f.ner, ner, s.attempts - std::min(s.ineffective, s.attempts), s.attempts);
    rrd.set(r.rrd);
    pdd.set(r.srd);
    pbd.set(r.sdd);
    spd.set(r.sdt);
  }
};

}  // namespace

struct SipExporterCompat::State {
  Families families;
  std::map<std::string, CarrierSlots, std::less<>> carriers;
  CounterSlot packets;
  Gauge* active_dialogs = nullptr;
  Family<Gauge>* active_dialogs_family = nullptr;

  explicit State(prometheus::Registry& r) : families(r) {
    packets.counter = &counter_family(r, "sip_exporter_packets_total",
                                      "sip-exporter compatibility: SIP messages decoded (capture.sip_messages).")
                           .Add({});
    active_dialogs_family = &gauge_family(r, "sip_exporter_active_dialogs",
                                          "sip-exporter compatibility: active dialogs, no labels "
                                          "(sipmon_dialogs_active).");
    gauge_family(r, "sip_exporter_build_info", "sip-exporter compatibility: sipmon's version; always 1.")
        .Add({{"version", kVersion}})
        .Set(1);
  }
};

SipExporterCompat::SipExporterCompat(prometheus::Registry& registry) : state_(std::make_unique<State>(registry)) {}

SipExporterCompat::~SipExporterCompat() = default;

void SipExporterCompat::update(const Report& report) {
  State& s = *state_;
  s.packets.set(report.capture.sip_messages);
  if (report.dialogs) {
    if (s.active_dialogs == nullptr) s.active_dialogs = &s.active_dialogs_family->Add({});
    s.active_dialogs->Set(static_cast<double>(report.dialogs->active));
  }
  for (const auto& [name, figures] : carriers_of(report)) {
    auto it = s.carriers.find(name);
    if (it == s.carriers.end()) it = s.carriers.try_emplace(name, s.families, name).first;
    it->second.update(s.families, figures);
  }
}

}  // namespace sipmon
