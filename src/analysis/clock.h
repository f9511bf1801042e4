#pragma once
// The one notion of "now" that expiry (Timer B, session expiry, BYE timeouts) runs on. Delays are
// always measured between packet timestamps; only deciding that something has NOT happened needs
// a clock: packet time in replay (so a replay gives the same answer however fast it runs), the
// wall clock in live mode (so a dialog expires even when the network falls silent). The analysis
// library never reads a clock itself: live, the caller passes the wall clock to Engine::tick(now)
// (tests/analysis/no_clock_check.sh keeps it so).
#include <algorithm>
#include <cstdint>
#include <limits>

namespace sipmon {

// `ts_ns + delta_ns`, saturating: a capture can carry any timestamp, and overflowing signed
// arithmetic would be undefined behaviour.
inline std::int64_t deadline_after(std::int64_t ts_ns, std::int64_t delta_ns) {
  std::int64_t out;
  if (__builtin_add_overflow(ts_ns, delta_ns, &out))
    return delta_ns > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
  return out;
}

// Where a packet's timestamp lies against the clock, for the packet clock's jump detection.
enum class TimeStep : std::uint8_t {
  ordinary,    // forwards by less than the largest step, or slightly backwards
  far_ahead,   // further ahead than the largest step: a clock step, a long silence, or an outlier
  far_behind,  // further behind than the largest step: time went backwards (merged files)
};

class Clock {
 public:
  virtual ~Clock() = default;
  // Called for every frame. Never moves time backwards: frames of merged files, or of a live
  // capture's several CPUs, arrive slightly out of order.
  virtual void observe_packet(std::int64_t ts_ns) = 0;
  // The caller's "now" (Engine::tick). Never moves time backwards either.
  virtual void advance_to(std::int64_t now_ns) = 0;
  // Nanoseconds since the Unix epoch; INT64_MIN until the first packet (packet clock).
  virtual std::int64_t now_ns() const = 0;
  // How far `ts_ns` is from now. Only the packet clock ever answers other than `ordinary`.
  virtual TimeStep step_to(std::int64_t /*ts_ns*/) const { return TimeStep::ordinary; }
};

// Replay: time is the latest packet timestamp seen. A step larger than `max_step_ns` is reported
// by step_to() so that the engine can hold the packet until the next one says whether time
// really moved on (see Engine::on_frame): one packet stamped a day late must not time out every
// call in progress.
class PacketClock final : public Clock {
 public:
  explicit PacketClock(std::int64_t max_step_ns) : max_step_ns_(max_step_ns) {}
  void observe_packet(std::int64_t ts_ns) override { now_ = std::max(now_, ts_ns); }
  // In replay a caller's tick passes packet time too: the same as one more packet.
  void advance_to(std::int64_t now_ns) override { observe_packet(now_ns); }
  std::int64_t now_ns() const override { return now_; }
  TimeStep step_to(std::int64_t ts_ns) const override {
    if (now_ == std::numeric_limits<std::int64_t>::min()) return TimeStep::ordinary;  // the first packet
    if (ts_ns > deadline_after(now_, max_step_ns_)) return TimeStep::far_ahead;
    if (ts_ns < deadline_after(now_, -max_step_ns_)) return TimeStep::far_behind;
    return TimeStep::ordinary;
  }

 private:
  std::int64_t max_step_ns_;
  std::int64_t now_ = std::numeric_limits<std::int64_t>::min();
};

// Live capture: the wall clock (CLOCK_REALTIME, which is what the kernel stamps packets with), as
// the caller reads it and hands it to Engine::tick(now). Packet timestamps do not move it: a HEP
// sender's clock or one wrong kernel stamp must not time out every call. INT64_MIN (nothing
// expires) until the first tick.
class CallerClock final : public Clock {
 public:
  void observe_packet(std::int64_t /*ts_ns*/) override {}
  void advance_to(std::int64_t now_ns) override { now_ = std::max(now_, now_ns); }
  std::int64_t now_ns() const override { return now_; }

 private:
  std::int64_t now_ = std::numeric_limits<std::int64_t>::min();
};

// Seconds from `from_ns` to `to_ns`, exact to the nanosecond for any realistic delay, and defined
// (modular) for absurd ones.
inline double seconds_between(std::int64_t from_ns, std::int64_t to_ns) {
  return static_cast<double>(
             static_cast<std::int64_t>(static_cast<std::uint64_t>(to_ns) - static_cast<std::uint64_t>(from_ns))) *
         1e-9;
}

}  // namespace sipmon
