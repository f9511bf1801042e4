#pragma once
// The report's series (--interval) as OpenMetrics text with timestamps (--openmetrics FILE,
// docs/prometheus.md "Backfilling a capture"): one sample per interval at the interval's end,
// counters cumulative from the start of the capture, `# EOF` last, so that
// `promtool tsdb create-blocks-from openmetrics FILE DIR` turns a recorded capture into
// Prometheus blocks. The families are the live exposition's own (PrometheusMetrics fed with the
// running sums), so dashboards and recording rules read an archive like live traffic.
#include <string>

#include "analysis/report.h"

namespace sipmon {

// Empty when the report has no series.
std::string render_openmetrics_series(const Report& report);

}  // namespace sipmon
