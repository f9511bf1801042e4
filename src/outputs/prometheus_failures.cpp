#include "outputs/prometheus_failures.h"

#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "analysis/ua_family.h"
#include "outputs/prometheus_slots.h"

namespace sipmon {
namespace {

using prometheus::Counter;

}  // namespace

struct PrometheusFailureMetrics::Families {
  prometheus::Family<Counter>& failures;
  prometheus::Family<Counter>& by_family;
  std::map<std::pair<std::uint16_t, std::int32_t>, CounterSlot> failure_slots;  // created on first sight
  std::vector<CounterSlot> family_slots;

  explicit Families(prometheus::Registry& r)
      : failures(prometheus::BuildCounter()
                     .Name("sipmon_session_failures_total")
                     .Help("Session attempts closed as failed, ineffective or timeout, by final code (or timeout) "
                           "and the Q.850 cause of their Reason header (or none).")
                     .Register(r)),
        by_family(prometheus::BuildCounter()
                      .Name("sipmon_session_attempts_by_ua_family_total")
                      .Help("Session attempts, counted when closed, by the family of the caller's User-Agent.")
                      .Register(r)) {
    // Every family exported from the start, 0 included, so that rate() sees each series begin.
    for (std::size_t i = 0; i < ua_family_count(); ++i) {
      family_slots.push_back(CounterSlot{&by_family.Add({{"ua_family", std::string(ua_family_name(i))}})});
    }
  }
};

PrometheusFailureMetrics::PrometheusFailureMetrics(prometheus::Registry& registry)
    : families_(std::make_unique<Families>(registry)) {}

PrometheusFailureMetrics::~PrometheusFailureMetrics() = default;

void PrometheusFailureMetrics::update(const FailureAnalysis& analysis) {
  for (const auto& [key, count] : analysis.failures()) {
    auto [it, inserted] = families_->failure_slots.try_emplace(key);
    if (inserted) {
      const std::string code = key.first == FailureAnalysis::kTimeoutCode ? "timeout" : std::to_string(key.first);
      const std::string q850 = key.second == FailureAnalysis::kNoCause ? "none" : std::to_string(key.second);
      it->second.counter = &families_->failures.Add({{"code", code}, {"q850", q850}});
    }
    it->second.set(count);
  }
  const auto& by_family = analysis.attempts_by_ua_family();
  for (std::size_t i = 0; i < by_family.size() && i < families_->family_slots.size(); ++i) {
    families_->family_slots[i].set(by_family[i]);
  }
}

}  // namespace sipmon
