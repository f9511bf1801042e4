#pragma once
// The one notion of "now" that expiry (Timer B, session expiry, BYE timeouts) runs on. Delays are
// always measured between packet timestamps; only deciding that something has NOT happened needs
// a clock: packet time in replay (so a replay gives the same answer however fast it runs), the
// wall clock in live mode (so a dialog expires even when the network falls silent).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>

namespace sipmon {

class Clock {
 public:
  virtual ~Clock() = default;
  // Called for every frame. Never moves time backwards: frames of merged files, or of a live
  // capture's several CPUs, arrive slightly out of order.
  virtual void observe_packet(std::int64_t ts_ns) = 0;
  // Nanoseconds since the Unix epoch; INT64_MIN until the first packet (packet clock).
  virtual std::int64_t now_ns() const = 0;
};

// Replay: time is the latest packet timestamp seen.
class PacketClock final : public Clock {
 public:
  void observe_packet(std::int64_t ts_ns) override { now_ = std::max(now_, ts_ns); }
  std::int64_t now_ns() const override { return now_; }

 private:
  std::int64_t now_ = std::numeric_limits<std::int64_t>::min();
};

// Live capture: the system's real-time clock, which is what the kernel stamps packets with.
class WallClock final : public Clock {
 public:
  void observe_packet(std::int64_t /*ts_ns*/) override {}
  std::int64_t now_ns() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// `ts_ns + delta_ns`, saturating: a capture can carry any timestamp, and overflowing signed
// arithmetic would be undefined behaviour.
inline std::int64_t deadline_after(std::int64_t ts_ns, std::int64_t delta_ns) {
  std::int64_t out;
  if (__builtin_add_overflow(ts_ns, delta_ns, &out))
    return delta_ns > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
  return out;
}

// Seconds from `from_ns` to `to_ns`, exact to the nanosecond for any realistic delay, and defined
// (modular) for absurd ones.
inline double seconds_between(std::int64_t from_ns, std::int64_t to_ns) {
  return static_cast<double>(
             static_cast<std::int64_t>(static_cast<std::uint64_t>(to_ns) - static_cast<std::uint64_t>(from_ns))) *
         1e-9;
}

}  // namespace sipmon
