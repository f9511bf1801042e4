#include "analysis/anomaly.h"

namespace sipmon {
namespace {

struct AnomalyInfo {
  std::string_view name;
  AnomalyClass cls;
};

constexpr std::array<AnomalyInfo, kAnomalyCount> kAnomalyInfo = {{
#define SIPMON_ANOMALY_INFO(name, cls) {#name, AnomalyClass::cls},
    SIPMON_ANOMALIES(SIPMON_ANOMALY_INFO)
#undef SIPMON_ANOMALY_INFO
}};

}  // namespace

std::string_view anomaly_name(Anomaly anomaly) {
  const auto index = static_cast<std::size_t>(anomaly);
  return index < kAnomalyCount ? kAnomalyInfo[index].name : std::string_view{"none"};
}

AnomalyClass anomaly_class(Anomaly anomaly) { return kAnomalyInfo[static_cast<std::size_t>(anomaly)].cls; }

std::uint64_t AnomalyCounters::total(AnomalyClass cls) const {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kAnomalyCount; ++i) {
    if (kAnomalyInfo[i].cls == cls) sum += counts_[i];
  }
  return sum;
}

}  // namespace sipmon
