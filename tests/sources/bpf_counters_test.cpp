// The kernel filter's counters and limits are defined once, in bpf/capture_event.h, for both
// sides (issue 13): the names user space reports are generated from the same X-macro as the
// kernel's enum, and the filter's limits are the replay decoder's. No root needed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string_view>
#include <vector>

#include "analysis/packet_decoder.h"
#include "analysis/tunnel_decoder.h"
#include "sources/bpf_skeleton.h"

namespace sipmon {

TEST_CASE("kernel counter names come from the one list the kernel side indexes by", "[bpf]") {
  std::vector<std::string_view> names(kKernelCounterNames.begin(), kKernelCounterNames.end());
  for (std::string_view name : names) {
    CHECK(!name.empty());
    CHECK(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos);
  }
  std::sort(names.begin(), names.end());
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
  CHECK(kKernelCounterNames[SIPMON_COUNTER_RINGBUF_FULL] == "ring_buffer_full");
  CHECK(kKernelCounterIsEncapsulation[SIPMON_COUNTER_GRE]);
  CHECK_FALSE(kKernelCounterIsEncapsulation[SIPMON_COUNTER_SEEN]);
  CHECK(DecoderLimits{}.max_tunnel_depth == SIPMON_MAX_TUNNEL_DEPTH);
  CHECK(DecoderLimits{}.vxlan_port == SIPMON_DEFAULT_VXLAN_PORT);
  CHECK(kGtpUserPort == SIPMON_GTPU_PORT);
}

}  // namespace sipmon
