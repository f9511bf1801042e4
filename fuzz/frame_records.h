#pragma once
// The frame fuzzer's input format, shared with the regression test that replays saved inputs:
// a run of records, each [link selector: 1 byte][length: 2 bytes, big-endian][frame bytes].
// Several frames per input let the fuzzer reach the transaction table (retransmissions, expiry,
// eviction), not only the per-packet decoders. A record whose length overruns the input takes
// what is left.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "analysis/frame.h"

namespace sipmon::fuzz {

inline constexpr std::array<LinkType, 8> kLinkTypes = {
    LinkType::ethernet, LinkType::raw,  LinkType::linux_sll, LinkType::linux_sll2,
    LinkType::null_bsd, LinkType::loop, LinkType::ipv4,      LinkType::ipv6,
};

// At most this many frames per input: bounds the work one input can ask for.
inline constexpr std::size_t kMaxFrames = 64;

// Calls fn(frame) for each record. Frame times step by a value taken from the selector byte's
// high bits so that both "within the duplicate window" and "after T1" gaps occur, and now and
// then by more than the 32 s transaction lifetime.
template <typename Fn>
void for_each_frame(std::span<const std::uint8_t> input, Fn&& fn) {
  std::size_t pos = 0;
  std::int64_t ts_ns = 1'000'000'000;
  for (std::size_t count = 0; count < kMaxFrames && pos + 3 <= input.size(); ++count) {
    const std::uint8_t selector = input[pos];
    const std::size_t length = (std::size_t{input[pos + 1]} << 8) | input[pos + 2];
    pos += 3;
    const std::size_t available = input.size() - pos;
    const std::size_t take = length < available ? length : available;
    static constexpr std::array<std::int64_t, 4> kSteps = {100'000, 600'000'000, 33'000'000'000, 0};
    ts_ns += kSteps[(selector >> 3) & 3];
    Frame frame;
    frame.ts_ns = ts_ns;
    frame.link_type = static_cast<std::uint32_t>(kLinkTypes[selector & 7]);
    frame.wire_len = static_cast<std::uint32_t>(take + ((selector & 0x80) ? 100 : 0));  // high bit: snapped
    frame.data = input.subspan(pos, take);
    fn(frame);
    pos += take;
  }
}

}  // namespace sipmon::fuzz
