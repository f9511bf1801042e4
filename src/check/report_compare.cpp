#include "check/report_compare.h"

#include <cmath>
#include <iomanip>
#include <set>
#include <sstream>

namespace sipmon {
namespace {

// Figures are written rounded to 1e-6; this only absorbs the last bit of b * (1 ± tolerance).
bool at_most(double value, double bound) { return value <= bound + 1e-9 * std::max(1.0, std::fabs(bound)); }

std::string number(double value) {
  // Same formatting as the report (nlohmann's shortest round-trip form), after rounding the bound
  // to the report's own precision.
  return ReportJson(std::round(value * 1e6) / 1e6).dump();
}

struct Sides {
  const ReportJson& baseline;
  const ReportJson& now;
};

void compare_exact(FigureResult& result, Sides sides, const CompareOptions& options) {
  result.allowed = "== " + format_figure(sides.baseline);
  if (sides.baseline == sides.now) return;
  const bool numbers = sides.baseline.is_number() && sides.now.is_number();
  // Counts must match exactly, unless a tolerance was given for this very path: test beds whose
  // call counts vary on purpose say so explicitly, and then either direction is allowed.
  if (const std::optional<Tolerance> tolerance = options.explicit_tolerance(result.path); numbers && tolerance) {
    const double b = sides.baseline.get<double>();
    const double slack = tolerance->slack(b);
    result.allowed = number(b - slack) + " .. " + number(b + slack);
    if (at_most(std::fabs(sides.now.get<double>() - b), slack)) {
      result.verdict = Verdict::within_tolerance;
      result.message = "changed within the tolerance of " + tolerance->text();
      return;
    }
    result.verdict = Verdict::changed;
    result.failed = true;
    result.message = "changed from " + format_figure(sides.baseline) + " to " + format_figure(sides.now) +
                     ", beyond the tolerance of " + tolerance->text();
    return;
  }
  result.failed = true;
  if (sides.baseline.is_null() != sides.now.is_null()) {
    result.verdict = Verdict::null_changed;
    result.message = sides.baseline.is_null() ? "was null in the baseline, now " + format_figure(sides.now)
                                              : "was " + format_figure(sides.baseline) + " in the baseline, now null";
    return;
  }
  if (!numbers) {
    result.verdict = sides.baseline.type_name() == std::string_view(sides.now.type_name()) ? Verdict::changed
                                                                                           : Verdict::type_changed;
    result.message = "changed from " + sides.baseline.dump() + " to " + sides.now.dump();
    return;
  }
  result.verdict = Verdict::changed;
  result.message = "count changed from " + format_figure(sides.baseline) + " to " + format_figure(sides.now) +
                   " (counts must match exactly)";
}

void compare_directed(FigureResult& result, Sides sides, const CompareOptions& options) {
  const bool higher_better = result.kind == FigureKind::higher_better;
  if (sides.baseline.is_null() && sides.now.is_null()) {
    result.allowed = "null";
    return;
  }
  if (sides.baseline.is_null() || sides.now.is_null()) {
    // A ratio is null when its denominator is zero, a delay when nothing was measured: the
    // traffic changed shape, which no tolerance covers.
    result.allowed =
        sides.baseline.is_null() ? "null" : (higher_better ? ">= " : "<= ") + format_figure(sides.baseline);
    result.verdict = Verdict::null_changed;
    result.failed = true;
    result.message = sides.baseline.is_null()
                         ? "was null (not measured) in the baseline, now " + format_figure(sides.now)
                         : "was " + format_figure(sides.baseline) + " in the baseline, now null (not measured)";
    return;
  }
  if (!sides.baseline.is_number() || !sides.now.is_number()) {
    result.allowed = "a number";
    result.verdict = Verdict::type_changed;
    result.failed = true;
    result.message = "expected numbers, found " + sides.baseline.dump() + " and " + sides.now.dump();
    return;
  }
  const double b = sides.baseline.get<double>();
  const double n = sides.now.get<double>();
  const Tolerance tolerance = options.tolerance(result.path);
  const double bound = higher_better ? b - tolerance.slack(b) : b + tolerance.slack(b);
  result.allowed = (higher_better ? ">= " : "<= ") + number(bound);
  if (n == b) return;
  const bool better = higher_better ? n > b : n < b;
  const std::string change = format_figure(sides.baseline) + " -> " + format_figure(sides.now);
  if (better) {
    result.verdict = Verdict::improved;
    result.failed = options.strict;
    result.message = "improved (" + change + ")" + (options.strict ? "; --strict fails on any change" : "");
    return;
  }
  const bool within = higher_better ? at_most(bound, n) : at_most(n, bound);
  const std::string tolerance_text = tolerance.text();
  if (within) {
    result.verdict = Verdict::within_tolerance;
    result.message = "worse (" + change + ") but within the tolerance of " + tolerance_text;
    return;
  }
  result.verdict = Verdict::regressed;
  result.failed = true;
  result.message = std::string(higher_better ? "dropped" : "rose") + " (" + change + "), beyond the tolerance of " +
                   tolerance_text + (higher_better ? " (higher is better)" : " (lower is better)");
}

FigureResult compare_figure(std::string path, FigureKind kind, std::optional<ReportJson> baseline,
                            std::optional<ReportJson> now, const CompareOptions& options) {
  FigureResult result;
  result.path = std::move(path);
  result.kind = kind;
  result.baseline = std::move(baseline);
  result.now = std::move(now);
  if (!result.baseline) {
    result.verdict = Verdict::new_figure;
    result.allowed = "(not in baseline)";
    result.failed = options.strict;
    result.message = std::string("not in the baseline (new figure)") +
                     (options.strict ? "; --strict fails on it: record the baseline again" : "");
    return result;
  }
  if (!result.now) {
    result.verdict = Verdict::missing;
    result.allowed = "== " + format_figure(*result.baseline);
    result.failed = true;
    result.message = "in the baseline but missing from the current report";
    return result;
  }
  const Sides sides{*result.baseline, *result.now};
  if (kind == FigureKind::exact) {
    compare_exact(result, sides, options);
  } else {
    compare_directed(result, sides, options);
  }
  return result;
}

std::optional<ReportJson> lookup(const ReportDocument& report, const std::string& path) {
  if (const ReportJson* value = report.find(path)) return *value;
  if (is_count_map_entry(path)) return ReportJson(0);  // count maps leave zeros out
  return std::nullopt;
}

}  // namespace

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::equal:
      return "equal";
    case Verdict::within_tolerance:
      return "within tolerance";
    case Verdict::improved:
      return "improved";
    case Verdict::new_figure:
      return "new";
    case Verdict::regressed:
      return "regressed";
    case Verdict::changed:
      return "changed";
    case Verdict::null_changed:
      return "null changed";
    case Verdict::missing:
      return "missing";
    case Verdict::type_changed:
      return "type changed";
  }
  return "changed";
}

Expected<Comparison> compare_reports(const ReportDocument& baseline, const ReportDocument& now,
                                     const CompareOptions& options) {
  if (baseline.schema_version != now.schema_version) {
    return make_error(ErrorKind::input, baseline.name + ": schema_version " + std::to_string(baseline.schema_version) +
                                            " differs from the current report's " + std::to_string(now.schema_version) +
                                            "; figures may have changed meaning: record the baseline again "
                                            "(sipmon check ... --update-baseline)");
  }
  Comparison comparison;
  std::set<std::string_view> seen;
  auto visit = [&](const std::string& path) {
    if (!seen.insert(path).second) return;
    const FigureKind kind = classify_figure(path);
    if (kind == FigureKind::metadata || options.is_ignored(path)) return;
    FigureResult result = compare_figure(path, kind, lookup(baseline, path), lookup(now, path), options);
    if (result.failed) ++comparison.failures;
    if (result.failed && result.verdict != Verdict::improved && result.verdict != Verdict::new_figure) {
      ++comparison.regressions;
    }
    if (result.verdict == Verdict::improved) ++comparison.improvements;
    comparison.figures.push_back(std::move(result));
  };
  for (const Figure& figure : baseline.figures) visit(figure.path);
  for (const Figure& figure : now.figures) visit(figure.path);
  return comparison;
}

}  // namespace sipmon
