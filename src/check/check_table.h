#pragma once
// The human-readable result of `check`: an aligned table of the figures that matter (those that
// fail, improved or are new; every figure with `verbose`), then one summary line.
#include <string>
#include <vector>

#include "check/check_outcome.h"

namespace sipmon {

// One line of the table: path, baseline, now, allowed, verdict (the HTML report shows them too).
struct CheckTableRow {
  std::string path;
  std::string baseline;
  std::string now;
  std::string allowed;
  std::string verdict;
};
std::vector<CheckTableRow> check_table_rows(const CheckOutcome& outcome, bool verbose);

std::string render_check_table(const CheckOutcome& outcome, bool verbose);
std::string render_check_summary(const CheckOutcome& outcome);  // one line, newline-terminated

}  // namespace sipmon
