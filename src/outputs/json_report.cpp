#include "outputs/json_report.h"

#include <cmath>
#include <map>
#include <string_view>

#include "analysis/series_report.h"
#include "analysis/time_format.h"
#include "outputs/report_names.h"
#include "sipmon/version.h"

namespace sipmon {
namespace {

using Json = nlohmann::ordered_json;

Json timestamp(const std::optional<std::int64_t>& ts_ns) {
  return ts_ns ? Json(format_rfc3339_us(*ts_ns)) : Json(nullptr);
}

Json counts(const std::map<std::string, std::uint64_t>& map) {
  Json object = Json::object();
  for (const auto& [key, value] : map) object[key] = value;
  return object;
}

Json capture_to_json(const CaptureReport& capture) {
  Json read_errors = Json::array();
  for (const ReadError& error : capture.read_errors) {
    read_errors.push_back(Json{{"file", error.file}, {"packet", error.packet}, {"error", error.message}});
  }
  Json json{
      {"files", capture.files},
      {"packets", capture.packets},
      {"bytes", capture.bytes},
      {"first_ts", timestamp(capture.first_ts_ns)},
      {"last_ts", timestamp(capture.last_ts_ns)},
      {"sip_messages", capture.sip_messages},
      {"sip_packets", capture.sip_packets},
      {"keepalives", capture.keepalives},
      {"non_sip", capture.non_sip},
      {"non_sip_by_reason", counts(non_sip_by_reason(capture))},
      {"malformed", capture.malformed()},
      {"malformed_by_reason", counts(malformed_by_reason(capture))},
      {"malformed_packets", capture.malformed_packets},
      {"unsupported_link", capture.unsupported_link},
      {"unsupported_link_by_type", counts(unsupported_link_by_type(capture))},
      {"read_errors", read_errors},
      {"duplicate_messages", capture.duplicate_messages},
  };
  if (capture.live) {
    json["source"] = capture.live->source;
    json["interfaces"] = capture.live->interfaces;
    json["kernel"] = counts(capture.live->kernel);
    json["drops"] = counts(capture.live->drops);
  }
  if (const auto& hep = capture.hep_in) {
    json["hep_in"] = Json{
        {"packets", hep->packets},
        {"by_version", counts(hep->by_version)},
        {"errors", counts(hep->errors)},
        {"sip_payloads", hep->sip_payloads},
        {"timestamps_replaced", hep->timestamps_replaced},
        {"connections", hep->connections},
        {"connections_refused", hep->connections_refused},
        {"socket_drops", hep->socket_drops},
    };
  }
  if (const auto& hep = capture.hep_out) {
    json["hep_out"] = Json{
        {"transport", hep->transport},
        {"sent", hep->sent},
        {"dropped", counts(hep->dropped)},
        {"connects", hep->connects},
    };
  }
  return json;
}

// Figures are rounded to a microsecond (delays) or a millionth of a percent (ratios): finer digits
// carry no information and would only make reports differ in their last bits.
Json rounded(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return nullptr;
  return std::round(*value * 1e6) / 1e6;
}

// A percentage, or null when the denominator is zero: never 0, NaN, or above 100.
Json percent(std::uint64_t numerator, std::uint64_t denominator) {
  if (denominator == 0) return nullptr;
  return rounded(100.0 * static_cast<double>(std::min(numerator, denominator)) / static_cast<double>(denominator));
}

Json delays(const DelayHistogram& h) {
  return Json{
      {"count", h.count()},
      {"min", h.count() ? rounded(h.min()) : Json(nullptr)},
      {"mean", rounded(h.mean())},
      {"p50", rounded(h.quantile(0.50))},
      {"p90", rounded(h.quantile(0.90))},
      {"p99", rounded(h.quantile(0.99))},
      {"max", h.count() ? rounded(h.max()) : Json(nullptr)},
  };
}

// Statistics over media streams (or calls): null figures when there is nothing to describe.
Json statistics(const std::optional<StatsSummary>& s) {
  if (!s)
    return Json{{"count", 0},     {"mean", nullptr}, {"min", nullptr}, {"p50", nullptr},
                {"p90", nullptr}, {"p99", nullptr},  {"max", nullptr}};
  Json json{{"count", s->count},      {"mean", rounded(s->mean)}, {"min", rounded(s->min)}, {"p50", rounded(s->p50)},
            {"p90", rounded(s->p90)}, {"p99", rounded(s->p99)},   {"max", rounded(s->max)}};
  if (s->sampled != s->count) json["percentiles_over"] = s->sampled;  // percentiles of a capped sample
  return json;
}

Json loss_pct(std::uint64_t expected, std::int64_t lost) {
  return expected == 0 ? Json(nullptr)
                       : rounded(std::max(0.0, 100.0 * static_cast<double>(lost) / static_cast<double>(expected)));
}

Json media_to_json(const MediaReport& m) {
  Json json{
      {"streams", m.streams},
      {"heuristic_streams", m.heuristic_streams},
      {"packets", m.packets},
      {"expected", m.expected},
      {"lost", m.lost},
      {"loss_pct", loss_pct(m.expected, m.lost)},
      {"duplicates", m.duplicates},
      {"late", m.late},
      {"rtcp_packets", m.rtcp_packets},
      {"dtmf_events", m.dtmf_events},
      {"one_way_calls", m.one_way_calls},
      {"no_media_calls", m.no_media_calls},
      {"jitter_ms", statistics(m.jitter_ms)},
      {"mos", statistics(m.mos)},
      {"start_delay_ms", statistics(m.start_delay_ms)},
  };
  if (!m.peers.empty()) {  // --peers only
    Json peers = Json::object();
    for (const auto& [name, p] : m.peers) {
      peers[name] = Json{{"streams", p.streams},
                         {"packets", p.packets},
                         {"expected", p.expected},
                         {"lost", p.lost},
                         {"loss_pct", loss_pct(p.expected, p.lost)},
                         {"one_way_calls", p.one_way_calls},
                         {"no_media_calls", p.no_media_calls}};
    }
    json["peers"] = std::move(peers);
  }
  return json;
}

// The same ratios over closed attempts only (docs/metrics.md, "Closed attempts"): numerator and
// denominator counted at the same moment, so they agree with the shipped Prometheus rules.
Json closed_to_json(const ClosedAttempts& c) {
  using O = ClosedOutcome;
  const std::uint64_t attempts = c.attempts();
  const std::uint64_t established = c[O::completed] + c[O::established];
  const std::uint64_t ineffective = c[O::ineffective] + c[O::timed_out];
  const std::uint64_t not_redirected = attempts - c[O::redirected];
  Json json{{"session_attempts", attempts}};
  for (std::size_t i = 0; i < kClosedOutcomes; ++i) json[closed_outcome_name(static_cast<O>(i))] = c.by_outcome[i];
  json["ser"] = percent(established, not_redirected);
  json["seer"] = percent(established + c[O::failed_effective], not_redirected);
  json["isa"] = percent(ineffective, attempts);
  json["scr"] = percent(c[O::completed], attempts);
  json["asr"] = percent(established, attempts);
  json["ner"] = percent(attempts - ineffective, attempts);
  return json;
}

}  // namespace

Json rfc6076_to_json(const Rfc6076Report& r) {
  const SessionCounts& s = r.sessions;
  const RegistrationCounts& g = r.registrations;
  // RFC 6076 §4.6/§4.7: redirected attempts leave the SER and SEER denominators.
  const std::uint64_t not_redirected = s.attempts - std::min(s.redirected, s.attempts);
  return Json{
      {"session_attempts", s.attempts},
      {"sessions_established", s.established},
      {"sessions_redirected", s.redirected},
      {"sessions_effective", s.effective},
      {"sessions_ineffective", s.ineffective},
      {"sessions_completed", s.completed},
      {"sessions_cancelled", s.cancelled},
      {"sessions_failed", s.failed},
      {"timeouts", s.timeouts},
      {"pending", s.pending},
      {"ser", percent(s.established, not_redirected)},
      {"seer", percent(s.effective, not_redirected)},
      {"isa", percent(s.ineffective, s.attempts)},
      {"scr", percent(s.completed, s.attempts)},
      {"asr", percent(s.established, s.attempts)},
      {"ner", percent(s.attempts - std::min(s.ineffective, s.attempts), s.attempts)},
      {"registration_attempts", g.attempts},
      {"registrations_succeeded", g.succeeded},
      {"registrations_ineffective", g.ineffective},
      {"registration_timeouts", g.timeouts},
      {"registrations_pending", g.pending},
      {"ira", percent(g.ineffective, g.attempts)},
      {"closed", closed_to_json(s.closed)},
      {"srd", delays(r.srd)},
      {"srd_failed", delays(r.srd_failed)},
      {"sdd", delays(r.sdd)},
      {"sdd_timeouts", r.sdd_timeouts},
      {"sdt", delays(r.sdt)},
      {"rrd", delays(r.rrd)},
  };
}

Json dialogs_to_json(const DialogCounts& d) {
  return Json{{"established", d.established},
              {"terminated", d.terminated},
              {"active", d.active},
              {"expired", d.expired},
              {"evicted", d.evicted},
              {"early", d.early},
              {"terminated_bye_2xx", d.terminated_bye_2xx},
              {"terminated_bye_error", d.terminated_bye_error},
              {"terminated_bye_unanswered", d.terminated_bye_unanswered},
              {"terminated_error_response", d.terminated_error_response}};
}

// peers.NAME: the wire counts, then the same rfc6076 and dialogs objects as the top level's
// (rendered by the same functions), over this peer's attempts.
Json peer_to_json(const PeerCounts& peer) {
  Json json{{"requests", counts(peer_requests_by_name(peer))},
            {"responses", counts(status_counts_by_name(peer.responses))}};
  if (peer.rfc6076) json["rfc6076"] = rfc6076_to_json(*peer.rfc6076);
  if (peer.dialogs) json["dialogs"] = dialogs_to_json(*peer.dialogs);
  // The peer's delays in mergeable form, as the top level's (`sipmon merge` adds them up).
  if (peer.rfc6076) json["delay_sketches"] = delay_sketches_to_json(*peer.rfc6076);
  return json;
}

namespace {

// A delay's mergeable form (docs/report.md, "delay_sketches"): the sketch's non-empty buckets and
// the Prometheus buckets by index, the exact sum and extremes. `sipmon merge` adds these up.
Json sketch_to_json(const DelayHistogram::Sparse& s, std::uint64_t count) {
  Json buckets = Json::object();
  for (const DelaySketch::Bucket& b : s.sketch) buckets[std::to_string(b.index)] = b.count;
  Json prometheus = Json::object();
  for (const auto& [index, n] : s.prometheus) prometheus[std::to_string(index)] = n;
  return Json{{"count", count}, {"sum", s.sum()},     {"min", s.min},
              {"max", s.max},   {"buckets", buckets}, {"prometheus_buckets", prometheus}};
}

}  // namespace

Json delay_sketches_to_json(const Rfc6076Report& r) {
  Json json = Json::object();
  const std::pair<const char*, const DelayHistogram*> delays[] = {
      {"srd", &r.srd}, {"srd_failed", &r.srd_failed}, {"sdd", &r.sdd}, {"sdt", &r.sdt}, {"rrd", &r.rrd}};
  for (const auto& [name, h] : delays) {
    if (h->count() != 0) json[name] = sketch_to_json(h->sparse(), h->count());
  }
  return json;
}

namespace {

// Each interval with the top level's own renderings: requests, responses, and the rfc6076 object
// drawn by rfc6076_to_json from the interval's figures block.
Json series_to_json(const SeriesReport& series, const RequestCounts& spellings) {
  Json items = Json::array();
  const double seconds = static_cast<double>(series.interval_ns) * 1e-9;
  for (const SeriesInterval& item : series.intervals) {
    const Rfc6076Report figures = item.rfc6076.expand();
    items.push_back(Json{
        {"start", format_rfc3339_us(item.start_ns)},
        {"end", format_rfc3339_us(item.end_ns)},
        {"requests", counts(requests_by_name(item.requests.expand(spellings)))},
        {"responses", counts(responses_by_code_name(item.responses))},
        {"rfc6076", rfc6076_to_json(figures)},
        {"calls_active_max", item.calls_active_max},
        {"attempts_per_s", rounded(static_cast<double>(figures.sessions.attempts) / seconds)},
        {"delay_sketches", delay_sketches_to_json(figures)},
    });
    if (!series.peer_names.empty()) {  // --peers: the peers whose figures moved, by name
      std::map<std::string_view, const SeriesFigures*> by_name;
      for (const SeriesPeer& peer : item.peers) {
        if (peer.peer < series.peer_names.size()) by_name.emplace(series.peer_names[peer.peer], &peer.rfc6076);
      }
      Json peers = Json::object();
      for (const auto& [name, peer_figures] : by_name) {
        const Rfc6076Report expanded = peer_figures->expand();
        peers[std::string(name)] =
            Json{{"rfc6076", rfc6076_to_json(expanded)}, {"delay_sketches", delay_sketches_to_json(expanded)}};
      }
      items.back()["peers"] = std::move(peers);
    }
  }
  return items;
}

}  // namespace

Json report_to_json(const Report& report) {
  Json json{
      {"schema_version", Report::kSchemaVersion},
      {"sipmon_version", kVersion},
      {"capture", capture_to_json(report.capture)},
      {"requests", counts(requests_by_name(report.requests))},
      {"responses", counts(responses_by_code_name(report.responses))},
      {"responses_by_method", Json::object()},
  };
  for (const auto& [method, codes] : responses_by_method_name(report.responses))
    json["responses_by_method"][method] = counts(codes);
  if (const auto& r = report.retransmissions)
    json["retransmissions"] = Json{{"requests", r->requests}, {"responses", r->responses}};
  if (const auto& t = report.timers) {
    json["timers"] = Json{{"timer_b_s", rounded(t->timer_b_s)},
                          {"timer_c_s", rounded(t->timer_c_s)},
                          {"timer_f_s", rounded(t->timer_f_s)}};
  }
  if (report.rfc6076) json["rfc6076"] = rfc6076_to_json(*report.rfc6076);
  if (report.dialogs) json["dialogs"] = dialogs_to_json(*report.dialogs);
  json["table_evictions"] = counts(table_evictions_by_name(report.table_evictions));
  if (report.media) json["media"] = media_to_json(*report.media);
  if (const auto& series = report.series) {
    json["series_interval_s"] = rounded(static_cast<double>(series->interval_ns) * 1e-9);
    json["series_dropped_intervals"] = series->dropped_intervals;
    if (!series->peer_names.empty()) json["series_dropped_peer_figures"] = series->dropped_peer_entries;
    json["series"] = series_to_json(*series, report.requests);
  }
  if (!report.peers.empty()) {
    Json peers = Json::object();
    for (const auto& [name, peer] : report.peers) peers[name] = peer_to_json(peer);
    json["peers"] = peers;
  }
  if (report.rfc6076) json["delay_sketches"] = delay_sketches_to_json(*report.rfc6076);
  return json;
}

std::string render_json_report(const Report& report) { return report_to_json(report).dump(2) + "\n"; }

}  // namespace sipmon
