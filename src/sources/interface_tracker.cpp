#include "sources/interface_tracker.h"

#include <cerrno>
#include <cstring>

#include <net/if.h>

namespace sipmon {
namespace {

double seconds_between(InterfaceTracker::Clock::time_point from, InterfaceTracker::Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

InterfaceTracker::InterfaceTracker(const std::vector<std::string>& interfaces) {
  for (const std::string& name : interfaces) tracked_[name].ifindex = ::if_nametoindex(name.c_str());
}

void InterfaceTracker::follow(InterfaceWatch& watch, LiveSource& source, std::ostream& log) {
  bool overflowed = false;
  std::vector<LinkChange> changes = watch.read_changes(overflowed);
  if (overflowed) {
    log << "sipmon: warning: link notifications were lost; looking the capture interfaces up by name" << std::endl;
    for (const auto& [name, tracked] : tracked_) {
      const unsigned ifindex = ::if_nametoindex(name.c_str());
      if (ifindex == 0) {
        changes.push_back(LinkChange{name, tracked.ifindex, false});
      } else {
        changes.push_back(LinkChange{name, ifindex, true});
      }
    }
  }
  const Clock::time_point now = Clock::now();
  for (const LinkChange& change : changes) apply(change, source, now, log);
}

void InterfaceTracker::apply(const LinkChange& change, LiveSource& source, Clock::time_point now, std::ostream& log) {
  auto found = tracked_.find(change.interface);
  if (found == tracked_.end()) return;
  Tracked& tracked = found->second;
  if (!change.present) {
    if (!tracked.status.up || change.ifindex != tracked.ifindex) return;  // already down, or another index
    tracked.status.up = false;
    tracked.down_since = now;
    ++tracked.status.gaps;
    log << "sipmon: warning: interface " << change.interface << " (index " << change.ifindex
        << ") was deleted: capture on it is blind until it comes back" << std::endl;
    return;
  }
  // A notification for the index already captured is a flag or address change, not a return.
  if (tracked.status.up && change.ifindex == tracked.ifindex) return;
  const bool was_down = !tracked.status.up;
  errno = 0;
  if (!source.rebind(change.interface, change.ifindex)) {
    log << "sipmon: warning: interface " << change.interface << " is back (index " << change.ifindex << ") but the "
        << source.name() << " capture cannot follow it"
        << (errno != 0 ? std::string(": ") + std::strerror(errno) : std::string()) << "; restart sipmon" << std::endl;
    if (!was_down) {  // the deletion was never seen (notifications lost): the gap starts now
      tracked.status.up = false;
      tracked.down_since = now;
      ++tracked.status.gaps;
    }
    tracked.ifindex = change.ifindex;
    return;
  }
  const double blind = was_down ? seconds_between(tracked.down_since, now) : 0;
  tracked.status.blind_seconds += blind;
  tracked.status.up = true;
  ++tracked.status.reattaches;
  tracked.ifindex = change.ifindex;
  log << "sipmon: interface " << change.interface << " is back (index " << change.ifindex
      << "): capture re-attached after " << blind << " s blind (reattach " << tracked.status.reattaches << ")"
      << std::endl;
}

std::map<std::string, CaptureInterfaceStatus> InterfaceTracker::status(Clock::time_point now) const {
  std::map<std::string, CaptureInterfaceStatus> result;
  for (const auto& [name, tracked] : tracked_) {
    CaptureInterfaceStatus status = tracked.status;
    if (!status.up) status.blind_seconds += seconds_between(tracked.down_since, now);
    result[name] = status;
  }
  return result;
}

}  // namespace sipmon
