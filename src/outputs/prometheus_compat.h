#pragma once
// `--compat sip-exporter`: the metric names of the Go sip-exporter (aibudaevv/sip-exporter
// v1.11.0: its docs/METRICS.md and examples/grafana-dashboard.json), fed from sipmon's figures, so
// that its dashboards and alerts keep working after a switch. Names, labels and units follow the
// Go exporter; values are sipmon's. docs/prometheus.md ("Compatibility with sip-exporter") lists
// each name's source in sipmon and what is not covered.
//
// Labels: `carrier` is the --peers name (`other` for traffic of no listed peer, and for all of it
// without --peers, as the Go exporter does without a carriers file); `ua_type="other"` and
// `source_country="unknown"` are the Go exporter's values when it has no User-Agent file and no
// GeoIP database, and `destination_country="unknown"` (INVITE counters) its value without a
// number prefix; `direction`, `iface` and the host labels are not exported.
#include <memory>
#include <string_view>

#include "analysis/report.h"

namespace prometheus {
class Registry;
}

namespace sipmon {

// The sip-exporter release whose names and dashboard the compatibility follows.
inline constexpr std::string_view kSipExporterCompatVersion = "v1.11.0";

class SipExporterCompat {
 public:
  explicit SipExporterCompat(prometheus::Registry& registry);
  ~SipExporterCompat();
  SipExporterCompat(const SipExporterCompat&) = delete;
  SipExporterCompat& operator=(const SipExporterCompat&) = delete;

  // Brings every compatibility name to the report's figures (called by PrometheusMetrics::update
  // under its mutex).
  void update(const Report& report);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sipmon
