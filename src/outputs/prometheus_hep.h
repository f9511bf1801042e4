#pragma once
// HEP's Prometheus families (docs/prometheus.md, "HEP"): registered in PrometheusMetrics'
// registry the first time a report carries a HEP section, updated from its absolute counts. Every
// label value comes from a fixed list (versions 1-3, HepError names, the sender's drop reasons).
#include <memory>

#include "analysis/report.h"

namespace prometheus {
class Registry;
}

namespace sipmon {

class PrometheusHepMetrics {
 public:
  explicit PrometheusHepMetrics(prometheus::Registry& registry);
  ~PrometheusHepMetrics();
  // Not thread-safe: PrometheusMetrics::update calls it under its own lock.
  void update(const CaptureReport& capture);

 private:
  struct In;
  struct Out;
  prometheus::Registry& registry_;
  std::unique_ptr<In> in_;
  std::unique_ptr<Out> out_;
};

}  // namespace sipmon
