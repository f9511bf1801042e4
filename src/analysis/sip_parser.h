#pragma once
// SIP message parser (RFC 3261 §7, §20, §25). Zero-copy: fills a SipMessage with views.
#include <string_view>

#include "analysis/sip_message.h"

namespace sipmon {

enum class SipParseStatus {
  message,         // a SIP start line was found; the SipMessage is filled (check its defect)
  keepalive,       // nothing but CRLFs (RFC 5626 keep-alive)
  not_sip,         // no SIP start line
  bad_start_line,  // looks like SIP ("SIP/2.0 ..." or "... SIP/2.0") but the start line is broken
};

// Does the payload begin with something that is a SIP start line? Cheap: used to recognize SIP by
// content on any port, and to find message boundaries in a stream.
bool looks_like_sip_start(std::string_view payload);

// `truncated`: the capture cut the payload short; a short body is then not the sender's fault.
SipParseStatus parse_sip_message(std::string_view payload, SipMessage& out, bool truncated = false);

// Header-value helpers, exposed for the tracking layers and tests.
std::string_view header_param(std::string_view params, std::string_view lower_name);
std::string_view name_addr_tag(std::string_view from_or_to);
std::string_view first_value(std::string_view header_value);

}  // namespace sipmon
