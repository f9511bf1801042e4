#pragma once
// Adds one RFC 6076 figures block into another: every count, every closed outcome, every delay
// (the histograms merge exactly). The one figure that is not a count is `pending` (sessions and
// registrations): how it combines depends on what the two blocks are, so the caller says it.
//   - PendingRule::latest: `add` is a later interval of the same traffic (a running sum over a
//     series, openmetrics_series.cpp): pending is a gauge, the later value replaces the earlier.
//   - PendingRule::sum: `add` is other traffic (a shard of the capture, report_merge.cpp): the
//     shards' undecided attempts are different ones, so they add up.
#include "analysis/report.h"

namespace sipmon {

enum class PendingRule { latest, sum };

void add_rfc6076(Rfc6076Report& total, const Rfc6076Report& add, PendingRule pending);

}  // namespace sipmon
