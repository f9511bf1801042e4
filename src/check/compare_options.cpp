#include "check/compare_options.h"

#include <charconv>
#include <cmath>

#include "analysis/text.h"
#include "check/figure_rules.h"

namespace sipmon {
namespace {

std::optional<double> parse_tolerance_value(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0)
    return std::nullopt;
  return value;
}

}  // namespace

bool is_valid_figure_path(std::string_view path) {
  if (path.empty() || path.front() == '.' || path.back() == '.') return false;
  if (path.find("..") != std::string_view::npos) return false;
  for (const char c : path) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  return true;
}

std::optional<double> CompareOptions::explicit_tolerance(std::string_view path) const {
  std::optional<double> best;
  std::size_t best_length = 0;
  for (const PathTolerance& entry : tolerances) {
    // The longest prefix wins, and among equal ones the last given, as a later flag overrides.
    if (path_has_prefix(path, entry.path) && (!best || entry.path.size() >= best_length)) {
      best = entry.relative;
      best_length = entry.path.size();
    }
  }
  return best;
}

double CompareOptions::tolerance(std::string_view path) const {
  return explicit_tolerance(path).value_or(default_tolerance);
}

bool CompareOptions::is_ignored(std::string_view path) const {
  for (const std::string& prefix : ignored) {
    if (path_has_prefix(path, prefix)) return true;
  }
  return false;
}

Expected<void> add_tolerance_spec(CompareOptions& options, std::string_view spec) {
  const std::string_view text = trim(spec);
  const std::size_t equals = text.rfind('=');
  const std::string_view value_text = equals == std::string_view::npos ? text : trim(text.substr(equals + 1));
  const std::optional<double> value = parse_tolerance_value(value_text);
  if (!value) {
    return make_error(ErrorKind::usage, "invalid --tolerance '" + std::string(spec) +
                                            "': expected a relative tolerance such as 0.05, or PATH=0.05");
  }
  if (equals == std::string_view::npos) {
    options.default_tolerance = *value;
    return {};
  }
  const std::string_view path = strip_wildcard(trim(text.substr(0, equals)));
  if (!is_valid_figure_path(path)) {
    return make_error(ErrorKind::usage, "invalid --tolerance '" + std::string(spec) + "': '" + std::string(path) +
                                            "' is not a dotted report path such as rfc6076.srd.p90");
  }
  options.tolerances.push_back(PathTolerance{std::string(path), *value});
  return {};
}

Expected<void> add_ignore_spec(CompareOptions& options, std::string_view spec) {
  const std::string_view path = strip_wildcard(trim(spec));
  if (!is_valid_figure_path(path)) {
    return make_error(ErrorKind::usage, "invalid --ignore '" + std::string(spec) +
                                            "': expected a dotted report path such as responses.503 or capture");
  }
  options.ignored.emplace_back(path);
  return {};
}

}  // namespace sipmon
