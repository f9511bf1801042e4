#pragma once
// Threshold gates: `--expect 'rfc6076.ser >= 95'`, evaluated against the current report with or
// without a baseline.
#include <string>
#include <string_view>
#include <vector>

#include "analysis/error.h"
#include "check/report_document.h"

namespace sipmon {

enum class ThresholdOp { greater_equal, less_equal, greater, less, equal, not_equal };

struct Threshold {
  std::string path;
  ThresholdOp op = ThresholdOp::greater_equal;
  double value = 0;
  std::string value_text;  // as written, so that messages quote the user

  std::string text() const;  // normalized: "rfc6076.ser >= 95"
};

// PATH OP VALUE with spaces optional; OP one of >= <= > < == !=; VALUE a decimal number.
Expected<Threshold> parse_threshold(std::string_view spec);
std::string_view threshold_op_text(ThresholdOp op);

enum class ThresholdOutcome {
  passed,
  failed,  // the figure does not satisfy the threshold, or is null
  error,   // the path names no figure, or a figure that is not a number: a mistake in the gate
};

struct ThresholdResult {
  Threshold threshold;
  std::optional<ReportJson> value;  // the figure, when the path exists
  ThresholdOutcome outcome = ThresholdOutcome::passed;
  std::string message;  // why it failed or is an error; empty when passed
};

ThresholdResult evaluate_threshold(const Threshold& threshold, const ReportDocument& report);

}  // namespace sipmon
