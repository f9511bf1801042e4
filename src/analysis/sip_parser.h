#pragma once
// SIP message parser (RFC 3261 §7, §20, §25). Zero-copy: fills a SipMessage with views.
#include <string_view>

#include "analysis/sip_message.h"

namespace sipmon {

enum class SipParseStatus {
  message,           // a SIP start line was found; the SipMessage is filled (check its defect)
  keepalive,         // nothing but CRLFs (RFC 5626 keep-alive)
  not_sip,           // no SIP start line
  start_line_only,   // a SIP start line, but none of Via, From, To, Call-ID, CSeq. The SipMessage is
                     // filled; the caller decides (Engine: SIP on the SIP ports, as tshark, and
                     // elsewhere not SIP: an HTTP body quoting "SIP/2.0 200 ok" is no SIP message)
  bad_start_line,    // looks like SIP ("SIP/2.0 ..." or "... SIP/2.0") but the start line is broken
  header_cut_short,  // a valid start line, but a header line runs into the end of the payload: the
                     // message is not counted (tshark does not count it either); on a stream this
                     // means "wait for more bytes"
};

// Does the payload begin with something that is a SIP start line? Cheap: used to recognize SIP by
// content on any port, and to find message boundaries in a stream.
bool looks_like_sip_start(std::string_view payload);

// `truncated`: the capture cut the payload short; a short body is then not the sender's fault.
SipParseStatus parse_sip_message(std::string_view payload, SipMessage& out, bool truncated = false);

// Header-value helpers, exposed for the tracking layers and tests.
// Value of parameter `lower_name` in ";a=1;b" (empty when absent or valueless; semicolons inside
// quoted strings do not split).
std::string_view header_param(std::string_view params, std::string_view lower_name);
std::size_t next_param_separator(std::string_view text, std::size_t from);
bool has_header_param(std::string_view params, std::string_view lower_name);
std::string_view name_addr_tag(std::string_view from_or_to);
std::string_view first_value(std::string_view header_value);
// sent-by ("host[:port]") of one Via value, empty when the value has no "SIP/2.0/transport".
std::string_view via_sent_by(std::string_view via_value);

}  // namespace sipmon
