#include "outputs/text_summary.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "analysis/time_format.h"
#include "outputs/report_names.h"
#include "outputs/status_phrase.h"

namespace sipmon {
namespace {

constexpr int kLabelWidth = 14;

void line(std::string& out, const char* label, const std::string& value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%-*s", kLabelWidth, label);
  out += buffer;
  out += value;
  out += '\n';
}

// Several lines under one label: the first carries it, the others leave the label column blank.
void lines(std::string& out, const char* label, const std::vector<std::string>& values) {
  if (values.empty()) {
    line(out, label, "-");
    return;
  }
  for (std::size_t i = 0; i < values.size(); ++i) line(out, i == 0 ? label : "", values[i]);
}

// "INVITE 12, ACK 10, BYE 10": every entry, the most frequent first (ties by name).
std::string all_counts(const std::map<std::string, std::uint64_t>& map) {
  std::vector<std::pair<std::string, std::uint64_t>> entries(map.begin(), map.end());
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string text;
  for (const auto& [name, count] : entries) {
    if (!text.empty()) text += ", ";
    text += name + " " + std::to_string(count);
  }
  return text.empty() ? "-" : text;
}

std::uint64_t total(const std::map<std::string, std::uint64_t>& map) {
  std::uint64_t sum = 0;
  for (const auto& entry : map) sum += entry.second;
  return sum;
}

// One line per method, "INVITE: 100 2, 180 2, 487 2", codes in numeric order (the map's order),
// methods with the most responses first: a 404 to SUBSCRIBE never sits beside an INVITE's.
std::vector<std::string> responses_per_method(const Report& report) {
  const auto by_method = responses_by_method_name(report.responses);
  std::vector<std::pair<std::string, const std::map<std::string, std::uint64_t>*>> methods;
  for (const auto& [method, codes] : by_method) methods.emplace_back(method, &codes);
  std::stable_sort(methods.begin(), methods.end(),
                   [](const auto& a, const auto& b) { return total(*a.second) > total(*b.second); });
  std::vector<std::string> out;
  for (const auto& [method, codes] : methods) {
    std::string text = method + ":";
    for (const auto& [code, count] : *codes)
      text += (text.back() == ':' ? " " : ", ") + code + " " + std::to_string(count);
    out.push_back(std::move(text));
  }
  return out;
}

// Final answers to INVITE from 300 up, each with its phrase: "486 Busy Here 2". Counts are the
// wire's (retransmissions included), as in responses_by_method.
std::string invite_failures(const Report& report) {
  std::string text;
  for (const auto& [code, count] : report.responses[Method::invite]) {
    if (code < 300) continue;
    const std::string_view phrase = standard_reason_phrase(code);
    if (!text.empty()) text += ", ";
    text += std::to_string(code) + (phrase.empty() ? "" : " " + std::string(phrase)) + " " + std::to_string(count);
  }
  return text.empty() ? "-" : text;
}

// "66.7%", or "-" when the denominator is zero (the JSON report's null): a ratio of nothing is
// not 0%. The same formulas as the JSON report's rfc6076 section (docs/metrics.md).
std::string percent(std::uint64_t numerator, std::uint64_t denominator) {
  if (denominator == 0) return "-";
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%.1f%%",
                100.0 * static_cast<double>(std::min(numerator, denominator)) / static_cast<double>(denominator));
  return buffer;
}

std::uint64_t evicted_attempts(const Report& report) { return report.table_evictions[EvictingTable::session_attempts]; }

// "SRD p50 1.155 ms, p90 2.000 ms, max 2.742 ms (12)": only for delays that have a sample,
// except SRD, the one people look for first.
void add_delay(std::vector<std::string>& parts, const char* name, const DelayHistogram& h, bool always) {
  if (h.count() == 0 && !always) return;
  if (h.count() == 0) {
    parts.push_back(std::string(name) + " -");
    return;
  }
  parts.push_back(std::string(name) + " p50 " + format_delay(h.quantile(0.50)) + ", p90 " +
                  format_delay(h.quantile(0.90)) + ", max " + format_delay(h.max()) + " (" + std::to_string(h.count()) +
                  ")");
}

void rfc6076_lines(std::string& out, const Report& report, std::optional<double> duration_s) {
  const Rfc6076Report& r = *report.rfc6076;
  const SessionCounts& s = r.sessions;
  const RegistrationCounts& g = r.registrations;
  // The outcomes partition the attempts (docs/metrics.md); timeouts are part of ineffective.
  line(out, "attempts",
       std::to_string(s.attempts) + ": " + std::to_string(s.established) + " established, " +
           std::to_string(s.cancelled) + " cancelled, " + std::to_string(s.failed) + " failed, " +
           std::to_string(s.ineffective) + " ineffective (" + std::to_string(s.timeouts) + " timed out), " +
           std::to_string(s.redirected) + " redirected, " + std::to_string(s.pending) + " pending, " +
           std::to_string(evicted_attempts(report)) + " evicted");
  // RFC 6076 §4.6/§4.7: redirected attempts leave the SER and SEER denominators.
  const std::uint64_t not_redirected = s.attempts - std::min(s.redirected, s.attempts);
  line(out, "ratios",
       "SER " + percent(s.established, not_redirected) + ", SEER " + percent(s.effective, not_redirected) + ", ISA " +
           percent(s.ineffective, s.attempts) + ", SCR " + percent(s.completed, s.attempts) + ", ASR " +
           percent(s.established, s.attempts) + ", NER " +
           percent(s.attempts - std::min(s.ineffective, s.attempts), s.attempts));
  if (duration_s && *duration_s > 0) {
    // Two decimals for a trunk's rate; significant digits for a trickle, which would read 0.00.
    const double per_second = static_cast<double>(s.attempts) / *duration_s;
    char rate[48];
    std::snprintf(rate, sizeof rate, per_second >= 0.1 ? "%.2f attempts/s" : "%.3g attempts/s", per_second);
    line(out, "call rate", rate);
  } else {
    line(out, "call rate", "-");
  }
  line(out, "invite >= 300", invite_failures(report));
  line(out, "registrations",
       std::to_string(g.attempts) + " (" + std::to_string(g.succeeded) + " succeeded, " + std::to_string(g.pending) +
           " pending): IRA " + percent(g.ineffective, g.attempts));
  std::vector<std::string> delays;
  add_delay(delays, "SRD", r.srd, true);
  add_delay(delays, "failed SRD", r.srd_failed, false);
  add_delay(delays, "SDD", r.sdd, false);
  add_delay(delays, "RRD", r.rrd, false);
  delays.push_back("SDT mean " + format_delay(r.sdt.mean()));
  lines(out, "delays", delays);
}

// "12.345 s", and from a minute on also as hours:minutes:seconds, "5400.000 s (1:30:00)".
std::string format_duration(double seconds) {
  char buffer[64];
  if (seconds < 60) {
    std::snprintf(buffer, sizeof buffer, "%.3f s", seconds);
  } else {
    const auto whole = static_cast<unsigned long long>(seconds);
    std::snprintf(buffer, sizeof buffer, "%.3f s (%llu:%02llu:%02llu)", seconds, whole / 3600, whole / 60 % 60,
                  whole % 60);
  }
  return buffer;
}

}  // namespace

std::string format_delay(std::optional<double> seconds) {
  if (!seconds) return "-";
  char buffer[32];
  const double value = *seconds;
  if (value >= 1.0) {
    std::snprintf(buffer, sizeof buffer, "%.3f s", value);
  } else {
    // The report keeps microseconds: three decimals of a millisecond below 10 ms, fewer above,
    // so that every figure shows about four significant digits.
    const double ms = value * 1000.0;
    std::snprintf(buffer, sizeof buffer, ms < 10 ? "%.3f ms" : ms < 100 ? "%.2f ms" : "%.1f ms", ms);
  }
  return buffer;
}

std::string render_status_line(const Report& report) {
  const CaptureReport& c = report.capture;
  std::string text = std::to_string(c.packets) + " packets, " + std::to_string(c.sip_messages) + " SIP messages";
  if (report.rfc6076) {
    const SessionCounts& s = report.rfc6076->sessions;
    text += ", " + std::to_string(s.attempts) + " attempts, SER " +
            percent(s.established, s.attempts - std::min(s.redirected, s.attempts));
  }
  if (c.live) text += ", " + std::to_string(total(c.live->drops)) + " drops";
  return text;
}

std::string render_text_summary(const Report& report) {
  const CaptureReport& c = report.capture;
  std::string out;
  std::string files;
  for (const auto& file : c.files) files += (files.empty() ? "" : ", ") + file;
  line(out, "files", files);
  std::optional<double> duration_s;
  if (c.first_ts_ns && c.last_ts_ns) {
    duration_s = static_cast<double>(*c.last_ts_ns - *c.first_ts_ns) / 1e9;
    line(out, "time", format_rfc3339_us(*c.first_ts_ns) + " .. " + format_rfc3339_us(*c.last_ts_ns));
    line(out, "duration", format_duration(*duration_s));
  }
  line(out, "packets", std::to_string(c.packets) + " (" + std::to_string(c.bytes) + " bytes)");
  line(out, "sip messages", std::to_string(c.sip_messages) + " in " + std::to_string(c.sip_packets) + " packets");
  line(out, "other",
       std::to_string(c.keepalives) + " keep-alives, " + std::to_string(c.non_sip) + " non-SIP, " +
           std::to_string(c.malformed()) + " malformed, " + std::to_string(c.unsupported_link) + " unsupported link");
  line(out, "requests", all_counts(requests_by_name(report.requests)));
  lines(out, "responses", responses_per_method(report));
  if (const auto& r = report.retransmissions) {
    line(out, "retransmitted",
         std::to_string(r->requests) + " requests, " + std::to_string(r->responses) + " responses (" +
             std::to_string(c.duplicate_messages) + " duplicate captures)");
  }
  if (report.rfc6076) rfc6076_lines(out, report, duration_s);
  if (const auto& d = report.dialogs) {
    line(out, "dialogs",
         std::to_string(d->active) + " active, " + std::to_string(d->evicted) + " evicted (" +
             std::to_string(d->established) + " established, " + std::to_string(d->terminated) + " terminated, " +
             std::to_string(d->expired) + " expired)");
  }
  if (const auto& hep = c.hep_in) {
    std::uint64_t refused = 0;
    for (const auto& [name, count] : hep->errors) refused += name == "unknown_chunk" ? 0 : count;
    line(out, "hep in",
         std::to_string(hep->packets) + " packets, " + std::to_string(hep->sip_payloads) + " SIP, " +
             std::to_string(refused) + " refused, " + std::to_string(hep->socket_drops) + " dropped by the socket");
  }
  if (const auto& hep = c.hep_out) {
    std::uint64_t dropped = 0;
    for (const auto& [reason, count] : hep->dropped) dropped += count;
    line(out, "hep out",
         std::to_string(hep->sent) + " sent (" + hep->transport + "), " + std::to_string(dropped) + " dropped");
  }
  for (const ReadError& error : c.read_errors) {
    line(out, "damaged", error.file + " at packet " + std::to_string(error.packet) + ": " + error.message);
  }
  return out;
}

}  // namespace sipmon
