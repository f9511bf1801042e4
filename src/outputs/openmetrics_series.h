#pragma once
// The report's series (--interval) as OpenMetrics text with timestamps (--openmetrics FILE,
// docs/prometheus.md "Backfilling a capture"): one sample per interval at the interval's end,
// counters cumulative from the start of the capture, `# EOF` last, so that
// `promtool tsdb create-blocks-from openmetrics FILE DIR` turns a recorded capture into
// Prometheus blocks. The families are the live exposition's own (PrometheusMetrics fed with the
// running sums), so dashboards and recording rules read an archive like live traffic.
#include <string>
#include <utility>
#include <vector>

#include "analysis/report.h"

namespace sipmon {

// `target`: labels put on every sample, as a scrape would (job, instance): the dashboard lists an
// archive by its sipmon_build_info{job, instance}, and the recording rules sum by job.
using OpenMetricsLabels = std::vector<std::pair<std::string, std::string>>;
// Empty when the report has no series.
std::string render_openmetrics_series(const Report& report, const OpenMetricsLabels& target = {});

}  // namespace sipmon
