#pragma once
// The JUnit XML report CI systems display (GitLab, Jenkins, GitHub test reporters): one test case
// per compared figure and per threshold, a <failure> with the explanation for each that failed,
// an <error> for a threshold whose path names no figure. No timestamps or durations, so the file
// is as deterministic as the report.
#include <string>
#include <string_view>

#include "check/check_outcome.h"

namespace sipmon {

std::string render_junit(const CheckOutcome& outcome);

// XML attribute/text escaping; characters XML 1.0 cannot carry become U+FFFD.
std::string xml_escape(std::string_view text);

}  // namespace sipmon
