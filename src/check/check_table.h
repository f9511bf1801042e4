#pragma once
// The human-readable result of `check`: an aligned table of the figures that matter (those that
// fail, improved or are new; every figure with `verbose`), then one summary line.
#include <string>

#include "check/check_outcome.h"

namespace sipmon {

std::string render_check_table(const CheckOutcome& outcome, bool verbose);
std::string render_check_summary(const CheckOutcome& outcome);  // one line, newline-terminated

}  // namespace sipmon
