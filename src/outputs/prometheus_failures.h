#pragma once
// The failure analysis's Prometheus families (docs/calls.md, "Failure analysis"), registered in
// PrometheusMetrics' registry and moved to the analysis' absolute counts:
//   sipmon_session_failures_total{code, q850}: attempts closed as failed, ineffective or timeout;
//     code = the final code or "timeout" (Timer B/C), q850 = the Reason's Q.850 cause or "none".
//   sipmon_session_attempts_by_ua_family_total{ua_family}: closed attempts by caller software,
//     the families of src/analysis/ua_families.def (never the raw header).
// Label sets are bounded: codes 300-699 x causes 0-127 + none; the family table.
#include <map>
#include <memory>
#include <utility>

#include "analysis/failure_analysis.h"

namespace prometheus {
class Registry;
}

namespace sipmon {

class PrometheusFailureMetrics {
 public:
  explicit PrometheusFailureMetrics(prometheus::Registry& registry);
  ~PrometheusFailureMetrics();
  // Not thread-safe: call it where the registry's other families are updated.
  void update(const FailureAnalysis& analysis);

 private:
  struct Families;
  std::unique_ptr<Families> families_;
};

}  // namespace sipmon
