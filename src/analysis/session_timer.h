#pragma once
// RFC 4028 session timers: which interval a request asks for or a 2xx grants.
#include <cstdint>
#include <optional>

#include "analysis/sip_fields.h"
#include "analysis/sip_message.h"

namespace sipmon {

// Session-Expires, never below the Min-SE in the same message (RFC 4028 §5). nullopt when the
// message has no usable Session-Expires (absent, not a number, or 0): the session timer is then
// not in use.
inline std::optional<std::uint32_t> session_interval(const SipMessage& message) {
  auto interval = session_expires(message).seconds;
  if (!interval || *interval == 0) return std::nullopt;
  if (const auto floor = min_se(message); floor && *floor > *interval) interval = floor;
  return interval;
}

}  // namespace sipmon
