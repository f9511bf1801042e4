#include "check/check_table.h"

#include <algorithm>
#include <array>
#include <vector>

namespace sipmon {
namespace {

using Row = std::array<std::string, 5>;  // path, baseline, now, allowed, verdict

Row figure_row(const FigureResult& figure) {
  std::string verdict;
  if (figure.failed) {
    verdict = "FAIL: " + figure.message;
  } else if (figure.verdict == Verdict::equal) {
    verdict = "ok";
  } else {
    verdict = "ok: " + figure.message;
  }
  return Row{figure.path, format_figure(figure.baseline), format_figure(figure.now), figure.allowed, verdict};
}

Row threshold_row(const ThresholdResult& result) {
  std::string verdict;
  switch (result.outcome) {
    case ThresholdOutcome::passed:
      verdict = "ok: threshold " + result.threshold.text();
      break;
    case ThresholdOutcome::failed:
      verdict = "FAIL: threshold: " + result.message;
      break;
    case ThresholdOutcome::error:
      verdict = "ERROR: threshold: " + result.message;
      break;
  }
  return Row{result.threshold.path, "-", format_figure(result.value),
             std::string(threshold_op_text(result.threshold.op)) + " " + result.threshold.value_text, verdict};
}

bool worth_showing(const FigureResult& figure) {
  return figure.failed || figure.verdict == Verdict::improved || figure.verdict == Verdict::new_figure;
}

}  // namespace

std::vector<CheckTableRow> check_table_rows(const CheckOutcome& outcome, bool verbose) {
  std::vector<CheckTableRow> rows;
  const auto add = [&rows](Row row) {
    rows.push_back(
        CheckTableRow{std::move(row[0]), std::move(row[1]), std::move(row[2]), std::move(row[3]), std::move(row[4])});
  };
  if (outcome.comparison) {
    for (const FigureResult& figure : outcome.comparison->figures) {
      if (verbose || worth_showing(figure)) add(figure_row(figure));
    }
  }
  for (const ThresholdResult& result : outcome.thresholds) {
    if (verbose || result.outcome != ThresholdOutcome::passed) add(threshold_row(result));
  }
  return rows;
}

std::string render_check_table(const CheckOutcome& outcome, bool verbose) {
  std::vector<Row> rows;
  for (CheckTableRow& row : check_table_rows(outcome, verbose)) {
    rows.push_back(Row{std::move(row.path), std::move(row.baseline), std::move(row.now), std::move(row.allowed),
                       std::move(row.verdict)});
  }
  if (rows.empty()) return "";
  rows.insert(rows.begin(), Row{"path", "baseline", "now", "allowed", "verdict"});

  std::array<std::size_t, 4> widths{};
  for (const Row& row : rows) {
    for (std::size_t column = 0; column < widths.size(); ++column)
      widths[column] = std::max(widths[column], row[column].size());
  }
  std::string text;
  for (const Row& row : rows) {
    for (std::size_t column = 0; column < widths.size(); ++column) {
      text += row[column];
      text.append(widths[column] - row[column].size() + 2, ' ');
    }
    text += row[4];  // the verdict is last and left ragged: it carries the explanation
    text += '\n';
  }
  return text;
}

namespace {

// "1 threshold", "2 thresholds", "0 regressions".
std::string counted(std::size_t count, const std::string& singular, const std::string& plural) {
  return std::to_string(count) + " " + (count == 1 ? singular : plural);
}

}  // namespace

std::string render_check_summary(const CheckOutcome& outcome) {
  const std::size_t compared = outcome.comparison ? outcome.comparison->figures.size() : 0;
  const std::size_t regressions = outcome.comparison ? outcome.comparison->regressions : 0;
  const std::size_t improvements = outcome.comparison ? outcome.comparison->improvements : 0;
  std::string text = outcome.threshold_errors() ? "ERROR" : outcome.passed() ? "PASS" : "FAIL";
  text += ": " + counted(compared, "figure", "figures") + " compared";
  if (!outcome.baseline_name.empty() && outcome.comparison) text += " with " + outcome.baseline_name;
  text += ", " + counted(regressions, "regression", "regressions") + ", " +
          counted(improvements, "improvement", "improvements");
  if (outcome.strict && outcome.comparison && outcome.comparison->failures > regressions) {
    text += " (--strict: " + std::to_string(outcome.comparison->failures - regressions) +
            " improvements or new figures fail)";
  }
  text += ", " + counted(outcome.thresholds.size(), "threshold", "thresholds") + " (" +
          std::to_string(outcome.failed_thresholds()) + " failed";
  if (outcome.threshold_errors()) text += ", " + counted(outcome.threshold_errors(), "error", "errors");
  text += ")\n";
  return text;
}

}  // namespace sipmon
