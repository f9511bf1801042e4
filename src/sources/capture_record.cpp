#include "sources/capture_record.h"

#include <cstddef>
#include <cstring>
#include <ctime>

#include "sources/live_source.h"

namespace sipmon {

static_assert(sizeof(capture_event) == 32, "capture_event is shared with the BPF program: keep it 32 bytes");
static_assert(offsetof(capture_event, ts_ns) == 0);
static_assert(offsetof(capture_event, wire_len) == 8);
static_assert(offsetof(capture_event, cap_len) == 12);
static_assert(offsetof(capture_event, ifindex) == 16);
static_assert(offsetof(capture_event, vlan_tci) == 20);
static_assert(offsetof(capture_event, vlan_proto) == 22);
static_assert(offsetof(capture_event, vlan_present) == 24);
static_assert(offsetof(capture_event, pkt_type) == 25);
static_assert(offsetof(capture_event, flags) == 26);

namespace {

std::int64_t read_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

constexpr std::size_t kMacAddresses = 12;  // destination + source: the tag goes right after them

}  // namespace

std::int64_t monotonic_to_realtime_offset_ns() {
  // Bracket the realtime read between two monotonic reads and take the tightest of a few tries,
  // so a preemption between the reads does not skew every timestamp.
  std::int64_t best_offset = 0;
  std::int64_t best_window = INT64_MAX;
  for (int attempt = 0; attempt < 5; ++attempt) {
    const std::int64_t before = read_ns(CLOCK_MONOTONIC);
    const std::int64_t real = read_ns(CLOCK_REALTIME);
    const std::int64_t after = read_ns(CLOCK_MONOTONIC);
    if (after - before < best_window) {
      best_window = after - before;
      best_offset = real - (before + (after - before) / 2);
    }
  }
  return best_offset;
}

bool record_to_frame(Bytes record, std::int64_t realtime_offset_ns, std::span<std::uint8_t> buffer, Frame& frame) {
  if (record.size() < sizeof(capture_event)) return false;
  capture_event event;
  std::memcpy(&event, record.data(), sizeof(event));  // ring-buffer records are only 8-byte aligned
  const Bytes packet = record.subspan(sizeof(event));
  if (event.cap_len > packet.size() || event.cap_len > event.wire_len) return false;

  frame.ts_ns = static_cast<std::int64_t>(event.ts_ns) + realtime_offset_ns;
  frame.link_type = static_cast<std::uint32_t>(LinkType::ethernet);
  frame.wire_len = event.wire_len;
  frame.data = packet.first(event.cap_len);
  if (event.vlan_present == 0) return true;

  if (event.cap_len < kMacAddresses || buffer.size() < event.cap_len + 4) return false;
  std::uint8_t* out = buffer.data();
  std::memcpy(out, packet.data(), kMacAddresses);
  const std::uint16_t tpid = event.vlan_proto != 0 ? event.vlan_proto : 0x8100;
  out[12] = static_cast<std::uint8_t>(tpid >> 8);
  out[13] = static_cast<std::uint8_t>(tpid);
  out[14] = static_cast<std::uint8_t>(event.vlan_tci >> 8);
  out[15] = static_cast<std::uint8_t>(event.vlan_tci);
  std::memcpy(out + 16, packet.data() + kMacAddresses, event.cap_len - kMacAddresses);
  frame.data = Bytes(out, event.cap_len + 4);
  frame.wire_len = event.wire_len + 4;
  return true;
}

}  // namespace sipmon
