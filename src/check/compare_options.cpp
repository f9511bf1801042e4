#include "check/compare_options.h"

#include <charconv>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <utility>

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

// "+5ms", "+0.002s", "+250us", "+0.5": an absolute tolerance; time units are turned into seconds,
// the unit of every delay in the report.
std::optional<Tolerance> parse_absolute_tolerance(std::string_view text) {
  if (!text.starts_with('+')) return std::nullopt;
  text.remove_prefix(1);
  constexpr std::pair<std::string_view, double> kUnits[] = {{"us", 1e-6}, {"ms", 1e-3}, {"s", 1.0}};
  double scale = 1.0;
  bool as_time = false;
  for (const auto& [suffix, factor] : kUnits) {
    if (text.ends_with(suffix)) {
      text.remove_suffix(suffix.size());
      scale = factor;
      as_time = true;
      break;
    }
  }
  const std::optional<double> value = parse_tolerance_value(trim(text));
  if (!value) return std::nullopt;
  return Tolerance{.value = *value * scale, .absolute = true, .as_time = as_time};
}

}  // namespace

double Tolerance::slack(double baseline) const { return absolute ? value : std::fabs(baseline) * value; }

std::string Tolerance::text() const {
  std::ostringstream out;
  out << std::setprecision(6);
  if (!absolute) {
    out << value * 100 << " %";
  } else if (as_time && value < 1) {
    out << "+" << value * 1000 << " ms";
  } else if (as_time) {
    out << "+" << value << " s";
  } else {
    out << "+" << value;
  }
  return out.str();
}

bool is_valid_figure_path(std::string_view path) {
  if (path.empty() || path.front() == '.' || path.back() == '.') return false;
  if (path.find("..") != std::string_view::npos) return false;
  for (const char c : path) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  return true;
}

std::optional<Tolerance> CompareOptions::explicit_tolerance(std::string_view path) const {
  std::optional<Tolerance> best;
  std::size_t best_length = 0;
  for (const PathTolerance& entry : tolerances) {
    // The longest prefix wins, and among equal ones the last given, as a later flag overrides.
    if (path_has_prefix(path, entry.path) && (!best || entry.path.size() >= best_length)) {
      best = entry.tolerance;
      best_length = entry.path.size();
    }
  }
  return best;
}

Tolerance CompareOptions::tolerance(std::string_view path) const {
  return explicit_tolerance(path).value_or(Tolerance{.value = default_tolerance});
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
  std::optional<Tolerance> tolerance = parse_absolute_tolerance(value_text);
  if (!tolerance) {
    if (const std::optional<double> relative = parse_tolerance_value(value_text))
      tolerance = Tolerance{.value = *relative};
  }
  if (!tolerance) {
    return make_error(ErrorKind::usage, "invalid --tolerance '" + std::string(spec) +
                                            "': expected a relative tolerance such as 0.05, or PATH=0.05, or an "
                                            "absolute one for a path: PATH=+5ms, PATH=+0.5");
  }
  if (equals == std::string_view::npos) {
    if (tolerance->absolute) {
      return make_error(ErrorKind::usage, "invalid --tolerance '" + std::string(spec) +
                                              "': an absolute tolerance is in the unit of its figure (seconds, "
                                              "percentage points, counts), so it needs a path: PATH=" +
                                              std::string(value_text));
    }
    options.default_tolerance = tolerance->value;
    return {};
  }
  const std::string_view path = strip_wildcard(trim(text.substr(0, equals)));
  if (!is_valid_figure_path(path)) {
    return make_error(ErrorKind::usage, "invalid --tolerance '" + std::string(spec) + "': '" + std::string(path) +
                                            "' is not a dotted report path such as rfc6076.srd.p90");
  }
  options.tolerances.push_back(PathTolerance{std::string(path), *tolerance});
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
