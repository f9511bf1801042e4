#pragma once
// Everything one `check` run found: the comparison with the baseline (if one was given) and the
// thresholds. The table and the JUnit writer render this; the CLI turns it into an exit code.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "check/report_compare.h"
#include "check/thresholds.h"

namespace sipmon {

struct CheckOutcome {
  std::string baseline_name;             // empty without --baseline
  std::optional<Comparison> comparison;  // absent without --baseline (or with --update-baseline)
  std::vector<ThresholdResult> thresholds;
  bool strict = false;

  std::size_t failed_thresholds() const {
    std::size_t n = 0;
    for (const ThresholdResult& t : thresholds) n += t.outcome == ThresholdOutcome::failed;
    return n;
  }
  std::size_t threshold_errors() const {
    std::size_t n = 0;
    for (const ThresholdResult& t : thresholds) n += t.outcome == ThresholdOutcome::error;
    return n;
  }
  bool passed() const {
    return (!comparison || comparison->failures == 0) && failed_thresholds() == 0 && threshold_errors() == 0;
  }
};

}  // namespace sipmon
