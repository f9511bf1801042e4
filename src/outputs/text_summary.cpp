#include "outputs/text_summary.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "analysis/time_format.h"

namespace sipmon {
namespace {

constexpr std::size_t kTopEntries = 6;

// "INVITE 12, ACK 10, BYE 10" with the most frequent first (ties by name), at most kTopEntries.
std::string top_counts(const std::map<std::string, std::uint64_t>& map) {
  std::vector<std::pair<std::string, std::uint64_t>> entries(map.begin(), map.end());
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string text;
  for (std::size_t i = 0; i < entries.size() && i < kTopEntries; ++i) {
    if (!text.empty()) text += ", ";
    text += entries[i].first + " " + std::to_string(entries[i].second);
  }
  if (entries.size() > kTopEntries) text += ", ... (" + std::to_string(entries.size() - kTopEntries) + " more)";
  return text.empty() ? "-" : text;
}

void line(std::string& out, const char* label, const std::string& value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%-14s", label);
  out += buffer;
  out += value;
  out += '\n';
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

// "0.125 s", or "-" with no observation.
std::string seconds(std::optional<double> value) {
  if (!value) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f s", *value);
  return buffer;
}

void rfc6076_lines(std::string& out, const Rfc6076Report& r) {
  const SessionCounts& s = r.sessions;
  const RegistrationCounts& g = r.registrations;
  // RFC 6076 §4.6/§4.7: redirected attempts leave the SER and SEER denominators.
  const std::uint64_t not_redirected = s.attempts - std::min(s.redirected, s.attempts);
  line(out, "attempts",
       std::to_string(s.attempts) + " (" + std::to_string(s.established) + " established, " +
           std::to_string(s.pending) + " pending): SER " + percent(s.established, not_redirected) + ", SEER " +
           percent(s.effective, not_redirected) + ", ISA " + percent(s.ineffective, s.attempts) + ", SCR " +
           percent(s.completed, s.attempts) + ", ASR " + percent(s.established, s.attempts) + ", NER " +
           percent(s.attempts - std::min(s.ineffective, s.attempts), s.attempts));
  line(out, "registrations",
       std::to_string(g.attempts) + " (" + std::to_string(g.succeeded) + " succeeded, " + std::to_string(g.pending) +
           " pending): IRA " + percent(g.ineffective, g.attempts));
  line(out, "delays",
       "SRD p50 " + seconds(r.srd.quantile(0.50)) + ", p90 " + seconds(r.srd.quantile(0.90)) + "; SDT mean " +
           seconds(r.sdt.mean()));
}

}  // namespace

std::string render_text_summary(const Report& report) {
  const CaptureReport& c = report.capture;
  std::string out;
  std::string files;
  for (const auto& file : c.files) files += (files.empty() ? "" : ", ") + file;
  line(out, "files", files);
  if (c.first_ts_ns) line(out, "time", format_rfc3339_us(*c.first_ts_ns) + " .. " + format_rfc3339_us(*c.last_ts_ns));
  line(out, "packets", std::to_string(c.packets) + " (" + std::to_string(c.bytes) + " bytes)");
  line(out, "sip messages", std::to_string(c.sip_messages) + " in " + std::to_string(c.sip_packets) + " packets");
  line(out, "other", std::to_string(c.keepalives) + " keep-alives, " + std::to_string(c.non_sip) + " non-SIP, " +
                         std::to_string(c.malformed) + " malformed, " + std::to_string(c.unsupported_link) +
                         " unsupported link");
  line(out, "requests", top_counts(report.requests));
  line(out, "responses", top_counts(report.responses));
  if (const auto& r = report.retransmissions) {
    line(out, "retransmitted", std::to_string(r->requests) + " requests, " + std::to_string(r->responses) +
                                   " responses (" + std::to_string(c.duplicate_messages) + " duplicate captures)");
  }
  if (report.rfc6076) rfc6076_lines(out, *report.rfc6076);
  if (const auto& d = report.dialogs) {
    line(out, "dialogs", std::to_string(d->active) + " active, " + std::to_string(d->evicted) + " evicted (" +
                             std::to_string(d->established) + " established, " + std::to_string(d->terminated) +
                             " terminated, " + std::to_string(d->expired) + " expired)");
  }
  if (const auto& hep = c.hep_in) {
    std::uint64_t refused = 0;
    for (const auto& [name, count] : hep->errors) refused += name == "unknown_chunk" ? 0 : count;
    line(out, "hep in", std::to_string(hep->packets) + " packets, " + std::to_string(hep->sip_payloads) +
                            " SIP, " + std::to_string(refused) + " refused, " + std::to_string(hep->socket_drops) +
                            " dropped by the socket");
  }
  if (const auto& hep = c.hep_out) {
    std::uint64_t dropped = 0;
    for (const auto& [reason, count] : hep->dropped) dropped += count;
    line(out, "hep out", std::to_string(hep->sent) + " sent (" + hep->transport + "), " + std::to_string(dropped) +
                             " dropped");
  }
  for (const ReadError& error : c.read_errors) {
    line(out, "damaged", error.file + " at packet " + std::to_string(error.packet) + ": " + error.message);
  }
  return out;
}

}  // namespace sipmon
