#pragma once
// RFC 4028 header values: Session-Expires = delta-seconds *(;param), Min-SE = delta-seconds.
#include <cstdint>
#include <optional>
#include <string_view>

#include "analysis/sip_message.h"
#include "analysis/text.h"

namespace sipmon {

// The leading delta-seconds of a Session-Expires or Min-SE value ("1800;refresher=uac" -> 1800).
// nullopt when absent or not a number; values beyond 32 bits are not a sane interval either.
inline std::optional<std::uint32_t> parse_delta_seconds(std::string_view value) {
  value = trim(value);
  std::size_t digits = 0;
  while (digits < value.size() && is_digit(value[digits])) ++digits;
  const std::string_view rest = trim(value.substr(digits));
  if (!rest.empty() && rest.front() != ';') return std::nullopt;
  return parse_u32(value.substr(0, digits));
}

// The session interval a request asks for or a 2xx grants: Session-Expires, never below the
// Min-SE in the same message (RFC 4028 §5). nullopt when the message has no usable
// Session-Expires: the session timer is then not in use.
inline std::optional<std::uint32_t> session_interval(const SipMessage& message) {
  auto interval = parse_delta_seconds(message.header(HeaderId::session_expires));
  if (!interval || *interval == 0) return std::nullopt;
  if (const auto min_se = parse_delta_seconds(message.header(HeaderId::min_se)); min_se && *min_se > *interval) {
    interval = min_se;
  }
  return interval;
}

}  // namespace sipmon
