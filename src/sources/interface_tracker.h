#pragma once
// Follows capture interfaces through deletion and re-creation: marks an interface down when the
// kernel says it is gone, re-binds the capture when it comes back under a new index, and keeps
// the figures /metrics exports (sipmon_capture_interface_up, blind seconds, gaps, reattaches).
// Every change is also written to the log stream, once.
#include <chrono>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "analysis/capture_interface_status.h"
#include "sources/interface_watch.h"
#include "sources/live_source.h"

namespace sipmon {

class InterfaceTracker {
 public:
  using Clock = std::chrono::steady_clock;
  // Call during set-up: records each interface's index now, the one the capture is bound to.
  explicit InterfaceTracker(const std::vector<std::string>& interfaces);

  // Reads what `watch` has queued and applies it. When notifications were lost, each interface
  // is looked up by name instead.
  void follow(InterfaceWatch& watch, LiveSource& source, std::ostream& log);
  void apply(const LinkChange& change, LiveSource& source, Clock::time_point now, std::ostream& log);
  std::map<std::string, CaptureInterfaceStatus> status(Clock::time_point now) const;

 private:
  struct Tracked {
    std::uint32_t ifindex = 0;
    Clock::time_point down_since{};
    CaptureInterfaceStatus status;
  };
  std::map<std::string, Tracked> tracked_;
};

}  // namespace sipmon
