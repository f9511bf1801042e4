#include "check/figure_rules.h"

#include <array>

namespace sipmon {
namespace {

constexpr std::array<std::string_view, 6> kMetadata{
    "sipmon_version", "schema_version", "capture.files", "capture.first_ts", "capture.last_ts", "capture.read_errors",
};
constexpr std::array<std::string_view, 5> kHigherBetterRatios{"ser", "seer", "scr", "asr", "ner"};
constexpr std::array<std::string_view, 2> kLowerBetterRatios{"isa", "ira"};
constexpr std::array<std::string_view, 6> kDelayStatistics{"min", "mean", "p50", "p90", "p99", "max"};
// rfc6076.closed.<ratio>: the same ratios over closed attempts.
constexpr std::string_view kClosed = "closed.";
constexpr std::array<std::string_view, 6> kCountMaps{
    "requests",
    "responses",
    "capture.non_sip_by_reason",
    "capture.malformed_by_reason",
    "capture.unsupported_link_by_type",
    "table_evictions",
};
constexpr std::string_view kRfc6076 = "rfc6076.";

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::string_view candidate : names) {
    if (candidate == name) return true;
  }
  return false;
}

}  // namespace

std::string_view strip_wildcard(std::string_view prefix) {
  if (prefix.ends_with(".*")) prefix.remove_suffix(2);
  return prefix;
}

bool path_has_prefix(std::string_view path, std::string_view prefix) {
  prefix = strip_wildcard(prefix);
  if (!path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.';
}

FigureKind classify_figure(std::string_view path) {
  for (std::string_view metadata : kMetadata) {
    if (path_has_prefix(path, metadata)) return FigureKind::metadata;
  }
  // The delays' mergeable form (for `sipmon merge`), at the top level and in series intervals:
  // the percentiles beside them are the figures to compare.
  if (path_has_prefix(path, "delay_sketches") || path.find(".delay_sketches.") != std::string_view::npos)
    return FigureKind::metadata;
  // Media (docs/media.md): a better MOS is higher, loss, jitter and start delay lower; the
  // statistics objects' counts stay exact.
  if (path_has_prefix(path, "media.mos") && !path.ends_with(".count")) return FigureKind::higher_better;
  if (path == "media.loss_pct") return FigureKind::lower_better;
  if ((path_has_prefix(path, "media.jitter_ms") || path_has_prefix(path, "media.start_delay_ms")) &&
      !path.ends_with(".count")) {
    return FigureKind::lower_better;
  }
  if (!path.starts_with(kRfc6076)) return FigureKind::exact;
  std::string_view rest = path.substr(kRfc6076.size());
  if (rest.starts_with(kClosed)) rest.remove_prefix(kClosed.size());
  const std::size_t dot = rest.find('.');
  if (dot == std::string_view::npos) {
    if (contains(kHigherBetterRatios, rest)) return FigureKind::higher_better;
    if (contains(kLowerBetterRatios, rest)) return FigureKind::lower_better;
    return FigureKind::exact;
  }
  // rfc6076.<delay>.<statistic>: any delay object, so that new delays get the right direction.
  const std::string_view statistic = rest.substr(dot + 1);
  if (contains(kDelayStatistics, statistic)) return FigureKind::lower_better;
  return FigureKind::exact;
}

std::string_view figure_kind_name(FigureKind kind) {
  switch (kind) {
    case FigureKind::metadata:
      return "metadata";
    case FigureKind::exact:
      return "count";
    case FigureKind::higher_better:
      return "ratio";
    case FigureKind::lower_better:
      return "lower-is-better";
  }
  return "count";
}

bool is_count_map_entry(std::string_view path) {
  // By prefix, not by the last dot: a method token may itself contain dots (RFC 3261 token).
  for (std::string_view map : kCountMaps) {
    if (path.size() > map.size() + 1 && path_has_prefix(path, map)) return true;
  }
  return false;
}

}  // namespace sipmon
