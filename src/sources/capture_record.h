#pragma once
// Turns one ring-buffer record (struct capture_event + packet bytes) into the Frame the engine
// decodes: wall-clock time, and the outer VLAN tag put back where the kernel took it from, so
// that live capture and the replay of a recording decode the same bytes.
#include <cstdint>
#include <span>

#include "analysis/bytes.h"
#include "analysis/frame.h"
#include "capture_event.h"

namespace sipmon {

// CLOCK_REALTIME minus CLOCK_MONOTONIC now, in nanoseconds: add it to bpf_ktime_get_ns().
std::int64_t monotonic_to_realtime_offset_ns();

// Room for the largest frame plus a re-inserted tag.
inline constexpr std::size_t kRecordFrameBufferSize = SIPMON_MAX_SNAPLEN + 4;

// False when the record is malformed (shorter than its header says). `buffer` (at least
// kRecordFrameBufferSize bytes) is used only when a tag is re-inserted; `frame.data` then points
// into it, otherwise into the record.
bool record_to_frame(Bytes record, std::int64_t realtime_offset_ns, std::span<std::uint8_t> buffer, Frame& frame);

}  // namespace sipmon
