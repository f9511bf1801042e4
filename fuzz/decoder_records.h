#pragma once
// packet_decoder_fuzz's input format and engine set-up, shared with the regression test that
// replays saved inputs (tests/fuzz_regressions/packet_decoder_fuzz/):
//   [link selector: 1 byte][time step: 1 byte][length: 2 bytes, big-endian][frame bytes]...
// The time step is in eighths of a second (up to 32 s per frame), so reassembly timeouts happen.
// A record whose length overruns the input takes what is left.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "analysis/engine.h"
#include "small_decoder_limits.h"

namespace sipmon::fuzz {

inline constexpr std::array<LinkType, 8> kDecoderLinkTypes = {
    LinkType::ethernet, LinkType::raw,  LinkType::linux_sll, LinkType::linux_sll2,
    LinkType::null_bsd, LinkType::ipv4, LinkType::ipv6,      LinkType::loop,
};

// At most this many frames per input: bounds the work one input can ask for.
inline constexpr std::size_t kMaxDecoderFrames = 256;

// Small tables and limits make eviction, timeouts and memory limits reachable; a small
// transaction table too, as allocating the default 14 MiB per input would make the run spend its
// time in memset. A largest clock step of 16 s (steps go up to 32 s) makes the engine hold
// frames after time jumps and settle them as jumps or outliers.
inline EngineConfig decoder_fuzz_config() {
  return EngineConfig{
      .ports = {},
      .calls = {.max_dialogs = 64, .max_session_attempts = 64, .max_registration_attempts = 64},
      .transactions = {.capacity = 16},
      .decoder = small_decoder_limits(),
      .max_time_step_ns = 16'000'000'000,
      .media = {.max_endpoints = 8, .max_streams = 4, .max_calls = 4, .rtp_heuristic = true, .max_samples = 16}};
}

// Calls fn(frame) for each record; returns the number of frames.
template <typename Fn>
std::size_t for_each_decoder_record(std::span<const std::uint8_t> input, Fn&& fn) {
  std::int64_t ts_ns = 0;
  std::size_t frames = 0;
  std::size_t pos = 0;
  while (pos + 4 <= input.size() && frames < kMaxDecoderFrames) {
    const LinkType link = kDecoderLinkTypes[input[pos] % kDecoderLinkTypes.size()];
    ts_ns += std::int64_t{input[pos + 1]} * 1'000'000'000 / 8;
    std::size_t length = (std::size_t{input[pos + 2]} << 8) | input[pos + 3];
    pos += 4;
    if (length > input.size() - pos) length = input.size() - pos;
    const Frame frame{.ts_ns = ts_ns,
                      .link_type = static_cast<std::uint32_t>(link),
                      .wire_len = static_cast<std::uint32_t>(length),
                      .data = input.subspan(pos, length)};
    fn(frame);
    pos += length;
    ++frames;
  }
  return frames;
}

}  // namespace sipmon::fuzz
