#pragma once
#include <cstdint>
#include <string>

namespace sipmon {

// RFC 3339 in UTC with microseconds, e.g. "2024-05-01T12:00:00.123456Z". Packet time only:
// reports never contain the wall clock.
std::string format_rfc3339_us(std::int64_t ts_ns);

}  // namespace sipmon
