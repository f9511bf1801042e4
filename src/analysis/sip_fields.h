#pragma once
// Readers for the parts of header values the tracking layers need: URIs, name-addr, Via
// parameters, Max-Forwards, Session-Expires/Min-SE (RFC 4028), Reason (RFC 3326), the values of a
// repeated header. All are views into the message; none allocates. They are computed on demand
// rather than by the parser so that counting a message costs nothing for fields nobody reads.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "analysis/sip_message.h"

namespace sipmon {

// sip:, sips: or tel: URI (RFC 3261 §19.1.1, RFC 3966). Anything else keeps only its scheme.
struct SipUri {
  std::string_view scheme;  // as sent ("sip", "SIP", "tel")
  std::string_view user;    // without password; the number of a tel: URI
  std::string_view host;    // without brackets for an IPv6 reference
  std::uint16_t port = 0;   // 0: absent (or not a number)
  std::string_view params;  // ";transport=udp;lr", leading ';' kept
};
SipUri parse_uri(std::string_view uri);

// name-addr ("Bob" <sip:b@x>;tag=1) or addr-spec (sip:b@x;tag=1) of From/To/Contact/Refer-To.
struct NameAddr {
  std::string_view display_name;  // quotes kept
  std::string_view uri;
  std::string_view params;  // header parameters, leading ';' kept
};
NameAddr parse_name_addr(std::string_view value);

// One Via value (RFC 3261 §20.42) and the NAT parameters of RFC 3261 §18.2.1 and RFC 3581.
struct ViaValue {
  std::string_view transport;  // "UDP", "TCP", ...
  std::string_view sent_by;    // host[:port]
  std::string_view host;
  std::uint16_t port = 0;  // 0: absent
  std::string_view branch;
  std::string_view received;
  bool has_rport = false;  // ";rport" with or without a value
  std::string_view rport;  // the value, empty in a request's bare ";rport"
};
ViaValue parse_via(std::string_view via_value);

// Splits a header value list at top-level commas (not inside quotes or <URIs>) and fills `out`
// with up to out.size() values; returns how many values there are in all the lines of header `id`
// (Via lists spread over several lines and comma-joined values alike).
std::size_t header_values(const SipMessage& message, HeaderId id, std::span<std::string_view> out);

// RFC 4028: "1800;refresher=uac". Min-SE has the same shape without a refresher.
struct SessionExpires {
  std::optional<std::uint32_t> seconds;
  std::string_view refresher;  // "uac", "uas" or empty
};
SessionExpires parse_session_expires(std::string_view value);

// RFC 3326: "SIP ;cause=200 ;text=\"Call completed elsewhere\"" (Q.850 likewise).
struct ReasonValue {
  std::string_view protocol;  // "SIP", "Q.850", ...
  std::optional<std::uint32_t> cause;
  std::string_view text;  // without the quotes
};
ReasonValue parse_reason(std::string_view value);

// A leading run of digits ("70", "90;x=y"); nullopt when absent or not a number.
std::optional<std::uint32_t> parse_leading_number(std::string_view value);

// Accessors over a parsed message, for the fields the trackers and the call recorder read.
inline ViaValue top_via(const SipMessage& m) { return parse_via(m.top_via); }
inline SessionExpires session_expires(const SipMessage& m) {
  return parse_session_expires(m.header(HeaderId::session_expires));
}
inline std::optional<std::uint32_t> min_se(const SipMessage& m) {
  return parse_leading_number(m.header(HeaderId::min_se));
}
inline ReasonValue reason(const SipMessage& m) { return parse_reason(m.header(HeaderId::reason)); }
inline std::string_view user_agent(const SipMessage& m) { return m.header(HeaderId::user_agent); }
inline std::string_view server(const SipMessage& m) { return m.header(HeaderId::server); }

}  // namespace sipmon
