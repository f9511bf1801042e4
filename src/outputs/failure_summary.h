#pragma once
// The text summary's "What failed" section (docs/calls.md, "Failure analysis"): the final codes
// >= 300 with their phrases, the Q.850 causes of Reason headers, and the ten destinations
// (Request-URI host) and sources with the most failed attempts.
#include <string>

#include "analysis/failure_analysis.h"

namespace sipmon {

// Empty when no attempt was closed with a code >= 300, a Q.850 cause or a failure.
std::string render_failure_summary(const FailureAnalysis& analysis);

}  // namespace sipmon
