#include "outputs/prometheus_hep.h"

#include <array>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "analysis/hep_decoder.h"
#include "outputs/prometheus_slots.h"

namespace sipmon {
namespace {

using prometheus::Counter;

std::uint64_t value_of(const std::map<std::string, std::uint64_t>& map, const std::string& key) {
  const auto it = map.find(key);
  return it == map.end() ? 0 : it->second;
}

constexpr const char* kDropReasons[] = {"queue_full", "too_large", "send_failed", "unsent_at_exit"};

}  // namespace

struct PrometheusHepMetrics::In {
  CounterSlot packets, sip_payloads, timestamps_replaced, socket_drops, accepted, refused;
  std::array<CounterSlot, 3> versions;
  std::array<CounterSlot, kHepErrorCount> errors;

  explicit In(prometheus::Registry& r) {
    packets.counter =
        &counter_family(r, "sipmon_hep_received_total", "HEP packets received (--hep-listen), good and bad.").Add({});
    auto& by_version = counter_family(r, "sipmon_hep_packets_total", "HEP packets that decoded, by HEP version.");
    for (int v = 0; v < 3; ++v) versions[v].counter = &by_version.Add({{"version", std::to_string(v + 1)}});
    auto& by_error =
        counter_family(r, "sipmon_hep_errors_total",
                       "HEP packets refused, by error (unknown_chunk counts chunks skipped; docs/hep.md).");
    for (std::size_t i = 0; i < kHepErrorCount; ++i) {
      errors[i].counter = &by_error.Add({{"error", std::string(hep_error_name(static_cast<HepError>(i)))}});
    }
    sip_payloads.counter =
        &counter_family(r, "sipmon_hep_sip_payloads_total", "SIP payloads from HEP handed to the analysis.").Add({});
    timestamps_replaced.counter =
        &counter_family(
             r, "sipmon_hep_timestamps_replaced_total",
             "HEP packets whose timestamp was missing or skewed beyond --hep-max-skew: counted at arrival time.")
             .Add({});
    socket_drops.counter = &counter_family(r, "sipmon_hep_socket_drops_total",
                                           "HEP datagrams the kernel dropped: the UDP socket buffer was full.")
                                .Add({});
    auto& connections = counter_family(r, "sipmon_hep_connections_total", "HEP TCP connections, by outcome.");
    accepted.counter = &connections.Add({{"outcome", "accepted"}});
    refused.counter = &connections.Add({{"outcome", "refused"}});
  }

  void update(const HepInReport& hep) {
    packets.set(hep.packets);
    for (int v = 0; v < 3; ++v) versions[v].set(value_of(hep.by_version, std::to_string(v + 1)));
    for (std::size_t i = 0; i < kHepErrorCount; ++i) {
      errors[i].set(value_of(hep.errors, std::string(hep_error_name(static_cast<HepError>(i)))));
    }
    sip_payloads.set(hep.sip_payloads);
    timestamps_replaced.set(hep.timestamps_replaced);
    socket_drops.set(hep.socket_drops);
    accepted.set(hep.connections);
    refused.set(hep.connections_refused);
  }
};

struct PrometheusHepMetrics::Out {
  CounterSlot sent, connects;
  std::array<CounterSlot, std::size(kDropReasons)> dropped;

  explicit Out(prometheus::Registry& r) {
    sent.counter = &counter_family(r, "sipmon_hep_out_sent_total", "SIP messages sent as HEP (--hep-out).").Add({});
    connects.counter = &counter_family(r, "sipmon_hep_out_connects_total",
                                       "TCP connections made to the HEP collector, reconnects included.")
                            .Add({});
    auto& by_reason = counter_family(r, "sipmon_hep_out_dropped_total", "SIP messages never sent as HEP, by reason.");
    for (std::size_t i = 0; i < dropped.size(); ++i) dropped[i].counter = &by_reason.Add({{"reason", kDropReasons[i]}});
  }

  void update(const HepOutReport& hep) {
    sent.set(hep.sent);
    connects.set(hep.connects);
    for (std::size_t i = 0; i < dropped.size(); ++i) dropped[i].set(value_of(hep.dropped, kDropReasons[i]));
  }
};

PrometheusHepMetrics::PrometheusHepMetrics(prometheus::Registry& registry) : registry_(registry) {}
PrometheusHepMetrics::~PrometheusHepMetrics() = default;

void PrometheusHepMetrics::update(const CaptureReport& capture) {
  if (capture.hep_in) {
    if (!in_) in_ = std::make_unique<In>(registry_);
    in_->update(*capture.hep_in);
  }
  if (capture.hep_out) {
    if (!out_) out_ = std::make_unique<Out>(registry_);
    out_->update(*capture.hep_out);
  }
}

}  // namespace sipmon
