#pragma once
// Compares a current report with a baseline, figure by figure, with the direction rules of
// figure_rules.h and the tolerances of compare_options.h. Every result carries the sentence that
// explains it, so the table and the JUnit file say why a figure failed.
#include <optional>
#include <string>
#include <vector>

#include "analysis/error.h"
#include "check/compare_options.h"
#include "check/figure_rules.h"
#include "check/report_document.h"

namespace sipmon {

enum class Verdict {
  equal,             // same value
  within_tolerance,  // worse (or changed), but within the allowed tolerance
  improved,          // better than the baseline: passes unless --strict
  new_figure,        // not in the baseline (a section a newer sipmon adds): passes unless --strict
  regressed,         // a ratio or delay worse than the tolerance allows
  changed,           // a count (or other exact figure) differs
  null_changed,      // measured in one report, null (not measured) in the other
  missing,           // in the baseline, gone from the current report
  type_changed,      // a number became a string, or the like
};

struct FigureResult {
  std::string path;
  FigureKind kind = FigureKind::exact;
  std::optional<ReportJson> baseline;  // absent: not in the baseline
  std::optional<ReportJson> now;       // absent: not in the current report
  std::string allowed;                 // e.g. "== 21", ">= 95.0", "<= 0.105"
  Verdict verdict = Verdict::equal;
  bool failed = false;
  std::string message;  // why, in one sentence; empty when equal
};

struct Comparison {
  std::vector<FigureResult> figures;  // baseline order, then figures only the current report has
  std::size_t failures = 0;           // failed figures, whatever the reason
  std::size_t regressions = 0;        // failed figures other than strict-mode improvements/new figures
  std::size_t improvements = 0;
};

// Fails (ErrorKind::input) when the schema versions differ: figures may have changed meaning.
Expected<Comparison> compare_reports(const ReportDocument& baseline, const ReportDocument& now,
                                     const CompareOptions& options);

std::string_view verdict_name(Verdict verdict);

}  // namespace sipmon
