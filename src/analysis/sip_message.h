#pragma once
// A parsed SIP message: views into the packet bytes, nothing copied. Valid only as long as the
// packet buffer the parser was given.
#include <array>
#include <cstdint>
#include <string_view>

#include "analysis/anomaly.h"
#include "analysis/sip_header_names.h"
#include "analysis/sip_method.h"

namespace sipmon {

struct SipMessage {
  bool is_request = false;

  // Request line (RFC 3261 §7.1).
  std::string_view method;  // exact token as sent
  Method method_id = Method::other;
  std::string_view request_uri;

  // Status line (§7.2).
  std::uint16_t status_code = 0;
  std::string_view reason_phrase;

  // First value of each header the engine reads (empty when absent). Folded lines stay inside
  // the view; readers treat CR/LF as white space.
  std::array<std::string_view, kHeaderIdCount> headers{};

  // Derived from the headers above.
  std::string_view call_id;
  std::uint32_t cseq_number = 0;
  std::string_view cseq_method;
  Method cseq_method_id = Method::other;
  std::string_view from_tag;
  std::string_view to_tag;
  std::string_view top_via;     // first value of the first Via header
  std::string_view via_branch;  // branch parameter of the top Via
  std::string_view via_sent_by; // host[:port] of the top Via
  std::uint16_t via_count = 0;  // Via values over all Via header lines
  std::int64_t content_length = -1;  // -1: no Content-Length header

  // Every header line, from the first after the start line to the one before the blank line:
  // lets readers walk repeated headers (sip_fields.h) without the parser storing them all.
  std::string_view header_block;
  std::string_view body;
  std::size_t wire_length = 0;  // start line through body: where the next message would begin

  // The first defect found. The message is still counted by method or code, but a message with
  // a defect in a mandatory header takes no part in transactions or dialogs.
  Anomaly defect = Anomaly::none;
  // Call-ID, a well-formed CSeq (matching the request method), From, To and Via are all present:
  // only then may the message take part in transactions and dialogs (whatever `defect` says about
  // other flaws such as a short body).
  bool mandatory_headers_ok = false;

  std::string_view header(HeaderId id) const { return headers[static_cast<std::size_t>(id)]; }
};

}  // namespace sipmon
