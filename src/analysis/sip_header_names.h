#pragma once
// The headers the engine reads, found by full or compact name, case-insensitively
// (RFC 3261 §7.3.1, §7.3.3 and the compact forms registered since).
#include <cstdint>
#include <string_view>

namespace sipmon {

enum class HeaderId : std::uint8_t {
  via,                  // v
  from,                 // f
  to,                   // t
  call_id,              // i
  cseq,
  content_length,       // l
  contact,              // m
  content_type,         // c
  max_forwards,
  session_expires,      // x (RFC 4028)
  min_se,               // RFC 4028
  reason,               // RFC 3326
  user_agent,
  server,
  supported,            // k
  subject,              // s
  content_encoding,     // e
  event,                // o (RFC 6665)
  refer_to,             // r (RFC 3515)
  allow_events,         // u (RFC 6665)
  referred_by,          // b (RFC 3892)
  accept_contact,       // a (RFC 3841)
  reject_contact,       // j (RFC 3841)
  request_disposition,  // d (RFC 3841)
  identity,             // y (RFC 8224)
  identity_info,        // n (RFC 4474)
  authorization,
  proxy_authorization,
  www_authenticate,
  proxy_authenticate,
  expires,
  other,
};

inline constexpr std::size_t kHeaderIdCount = static_cast<std::size_t>(HeaderId::other);

HeaderId header_id(std::string_view name);
std::string_view header_name(HeaderId id);

}  // namespace sipmon
