#pragma once
// Live capture only: whether one capture interface is there, and how long capture on it was
// blind because the interface was deleted (until it was re-created and the capture followed it).
// Filled by the sources (sources/interface_tracker.h), exported by outputs/prometheus_metrics.h.
#include <cstdint>

namespace sipmon {

struct CaptureInterfaceStatus {
  bool up = true;
  double blind_seconds = 0;      // summed over every gap, the one still open included
  std::uint64_t gaps = 0;        // times the interface went away
  std::uint64_t reattaches = 0;  // times capture followed it to its new index
};

}  // namespace sipmon
