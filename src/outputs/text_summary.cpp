#include "outputs/text_summary.h"

#include <algorithm>
#include <cstdio>
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
  for (const ReadError& error : c.read_errors) {
    line(out, "damaged", error.file + " at packet " + std::to_string(error.packet) + ": " + error.message);
  }
  return out;
}

}  // namespace sipmon
