#pragma once
// What `live` delivers, as the LiveSession asks for it: the Prometheus registry (scraped by
// /metrics, pushed by the Pushgateway thread) each refresh, the --out report file each
// --report-interval and at the end, a status line on stderr, the final report on stdout (JSON or a
// summary), and the last push. With --calls, also the failure analysis' families, and the records
// file reopened on SIGHUP.
#include <ostream>
#include <string>

#include "analysis/failure_analysis.h"
#include "live/live_session.h"
#include "outputs/call_record_file.h"
#include "outputs/metrics_outputs.h"
#include "outputs/prometheus_failures.h"
#include "sources/interface_tracker.h"

namespace sipmon {

struct LiveOutputsConfig {
  std::string report_path;  // --out, or "" for none
  bool json = false;        // stdout: the JSON report instead of the summary
};

// live --calls: where the records go and what is learned from them on the way (all three set, or
// none).
struct LiveCallOutputs {
  CallRecordFile* file = nullptr;
  const FailureAnalysis* failures = nullptr;
  PrometheusFailureMetrics* failure_metrics = nullptr;
};

class LiveOutputs final : public LivePublisher {
 public:
  // `tracker` gives the interfaces' status for the metrics; `out` takes the final report, `log`
  // the status lines and errors.
  LiveOutputs(LiveOutputsConfig config, MetricsOutputs& metrics, const InterfaceTracker& tracker, std::ostream& out,
              std::ostream& log, LiveCallOutputs calls = {});

  void refresh(const Report& report) override;
  void rewrite_report(const Report& report) override;
  void status(const Report& report) override;
  bool deliver_final(const Report& report) override;
  bool deliver_final_remote() override;
  void reopen() override;

 private:
  bool write_report(const Report& report);

  LiveOutputsConfig config_;
  MetricsOutputs& metrics_;
  const InterfaceTracker& tracker_;
  std::ostream& out_;
  std::ostream& log_;
  LiveCallOutputs calls_;
};

}  // namespace sipmon
