#pragma once
// The decoder limits of the fuzz targets that run the whole engine: small, so that eviction,
// timeouts and memory limits are reachable by one input, and so that building the engine for each
// input stays cheap (the defaults' 4 096 TCP flows and 256 KiB buffers are zeroed at construction:
// with them, frame_fuzzer spent 80 % of its time in memset, 12 ms per input under ASan).
#include "analysis/packet_decoder.h"

namespace sipmon::fuzz {

inline DecoderLimits small_decoder_limits() {
  DecoderLimits limits;
  limits.ip = {.max_datagrams = 4, .max_datagram_bytes = 65535, .max_total_bytes = 16384, .timeout_ns = 30'000'000'000};
  limits.tcp = {.max_flows = 8,
                .max_flow_bytes = 8192,
                .max_total_bytes = 32768,
                .max_out_of_order = 4,
                .idle_timeout_ns = 60'000'000'000};
  limits.sctp = {.max_messages = 2, .max_message_bytes = 8192, .timeout_ns = 30'000'000'000};
  return limits;
}

}  // namespace sipmon::fuzz
