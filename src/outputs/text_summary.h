#pragma once
// The short human summary `sipmon replay` prints when no --json is asked for.
#include <string>

#include "analysis/report.h"

namespace sipmon {

std::string render_text_summary(const Report& report);

}  // namespace sipmon
