#pragma once
// The Prometheus view of sipmon's figures: one prometheus::Registry that the /metrics endpoint,
// the Pushgateway and the exposition file all read (docs/prometheus.md lists every metric).
//
// The engine keeps absolute counts; Prometheus counters only go up. update() therefore moves each
// counter by the difference since the previous update, from handles created once and kept in
// fixed arrays indexed like the report's enums: no family is looked up by name after construction,
// no name in the report is parsed back, and no label value ever comes raw from the wire (methods
// outside the standard set and codes outside 100-699 become "other").
//
// Families tied to a report section (retransmissions, RFC 6076, dialogs, capture drops) are
// created with the first report that carries it, so a dashboard never shows a zero that was not
// counted.
//
// Thread safety: update() and update_capture_drops() serialise on an internal mutex; scrapes and
// pushes may run at any time on other threads (prometheus-cpp metrics are atomic and its
// registry locks itself).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "analysis/capture_interface_status.h"
#include "analysis/report.h"

namespace prometheus {
class Registry;
}

namespace sipmon {

struct PrometheusMetricsOptions {
  // Also export the metric names of the Go sip-exporter (docs/prometheus.md, "Compatibility").
  bool compat_sip_exporter = false;
};

// Bounded label values. Methods are the Method enum's names (every extension method is
// "other"); status codes 100-699 keep their number, anything else is "other".
std::string code_label(std::uint16_t code);
// Capture-drop reasons the live capture reports; anything else is "other".
std::string_view capture_drop_label(std::string_view reason);

class PrometheusMetrics {
 public:
  explicit PrometheusMetrics(PrometheusMetricsOptions options = {});
  ~PrometheusMetrics();
  PrometheusMetrics(const PrometheusMetrics&) = delete;
  PrometheusMetrics& operator=(const PrometheusMetrics&) = delete;

  // Brings every metric to the report's absolute values. Counts never go back: a value lower
  // than the last one applied is ignored (counters are monotonic).
  void update(const Report& report);

  // Packets the live capture lost before the engine saw them: absolute totals by reason
  // ("ring_buffer_full", "truncated", "socket_drops"; others are summed under "other").
  void update_capture_drops(const std::map<std::string, std::uint64_t>& totals_by_reason);

  // Matched packets by the encapsulation the kernel filter followed them through (GRE, VXLAN, ...),
  // from the eBPF source's counters (capture.kernel); other counters in the map are ignored.
  void update_kernel_encapsulations(const std::map<std::string, std::uint64_t>& kernel_counters);

  // Live capture interfaces that were deleted (and maybe re-created): the up gauge, seconds
  // blind, gaps and reattaches, by interface (docs/live.md, "Interfaces that go away").
  void update_capture_interfaces(const std::map<std::string, CaptureInterfaceStatus>& by_interface);

  // Pushes to the Pushgateway that failed (the family appears with the first call; 0 is allowed).
  void add_push_failures(std::uint64_t n);

  std::shared_ptr<prometheus::Registry> registry() const;

  // The text exposition format (version 0.0.4), as /metrics serves it.
  std::string render() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sipmon
