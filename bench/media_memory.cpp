// Bytes per entry of the media tracker's three tables (streams, endpoints, calls), each with its
// share of the table's index: the difference between the reservations of two trackers that differ
// in one cap only, divided by the entries it added. Prints them and what a stream of a two-party
// call costs (its entry, its share of the call's two endpoint entries, each an RTP port holding
// its RTCP port, half a call), for
// bench/media_replay_cost.py and docs/media.md ("Bounds").
#include <cstdio>

#include "analysis/media_tracker.h"

using namespace sipmon;

namespace {

std::size_t reserved(std::size_t endpoints, std::size_t streams, std::size_t calls) {
  MediaConfig config;
  config.max_endpoints = endpoints;
  config.max_streams = streams;
  config.max_calls = calls;
  return MediaTracker(config).reserved_bytes();
}

}  // namespace

int main() {
  constexpr std::size_t kBase = 1u << 14;  // powers of two: the index doubles with the cap
  const std::size_t base = reserved(kBase, kBase, kBase);
  const auto per_entry = [&](std::size_t total) { return static_cast<double>(total - base) / kBase; };
  const double stream = per_entry(reserved(kBase, 2 * kBase, kBase));
  const double endpoint = per_entry(reserved(2 * kBase, kBase, kBase));
  const double call = per_entry(reserved(kBase, kBase, 2 * kBase));
  const MediaConfig defaults;
  std::printf(
      "{\"stream_bytes\": %.0f, \"endpoint_bytes\": %.0f, \"call_bytes\": %.0f, "
      "\"per_stream_of_a_call\": %.0f, \"default_reserved_bytes\": %zu}\n",
      stream, endpoint, call, stream + endpoint + call / 2,
      reserved(defaults.max_endpoints, defaults.max_streams, defaults.max_calls));
  return 0;
}
