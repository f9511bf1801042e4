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
  static_assert(kHeaderIdCount <= 64, "filled_headers has one bit per header slot");
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
  // Which of `headers` hold a value (bit i for slot i): lets clear() touch only those.
  std::uint64_t filled_headers = 0;

  // Derived from the headers above.
  std::string_view call_id;
  std::uint32_t cseq_number = 0;
  std::string_view cseq_method;
  Method cseq_method_id = Method::other;
  std::string_view from_tag;
  std::string_view to_tag;
  std::string_view top_via;          // first value of the first Via header
  std::string_view via_branch;       // branch parameter of the top Via
  std::string_view via_sent_by;      // host[:port] of the top Via
  std::uint16_t via_count = 0;       // Via values over all Via header lines
  std::int64_t content_length = -1;  // -1: no Content-Length header

  // Every header line, from the first after the start line to the one before the blank line:
  // lets readers walk repeated headers (sip_fields.h) without the parser storing them all.
  std::string_view header_block;
  std::string_view body;
  std::size_t wire_length = 0;  // start line through body: where the next message would begin

  // The first defect found. The message is still counted by method or code, but a message with
  // a defect in a mandatory header takes no part in transactions or dialogs.
  MessageDefect defect = MessageDefect::none;
  // Call-ID, a well-formed CSeq (matching the request method), From, To and Via are all present:
  // only then may the message take part in transactions and dialogs (whatever `defect` says about
  // other flaws such as a short body).
  bool mandatory_headers_ok = false;

  std::string_view header(HeaderId id) const { return headers[static_cast<std::size_t>(id)]; }

  // Back to a default-constructed message. `*this = SipMessage{}` would zero every header slot
  // (~500 bytes) for every message; only the filled ones need it. A field added above must be
  // reset here too (the size check is the reminder).
  void clear() {
    for (std::uint64_t filled = filled_headers; filled != 0; filled &= filled - 1) {
      headers[static_cast<std::size_t>(__builtin_ctzll(filled))] = {};
    }
    filled_headers = 0;
    is_request = false;
    method = {};
    method_id = Method::other;
    request_uri = {};
    status_code = 0;
    reason_phrase = {};
    call_id = {};
    cseq_number = 0;
    cseq_method = {};
    cseq_method_id = Method::other;
    from_tag = {};
    to_tag = {};
    top_via = {};
    via_branch = {};
    via_sent_by = {};
    via_count = 0;
    content_length = -1;
    header_block = {};
    body = {};
    wire_length = 0;
    defect = MessageDefect::none;
    mandatory_headers_ok = false;
  }
};

// The method a message is about: a request's own, a response's from its CSeq.
inline Method message_method(const SipMessage& m) { return m.is_request ? m.method_id : m.cseq_method_id; }

// Tripwire for clear(): a new field changes the size (on LP64).
static_assert(sizeof(void*) != 8 || sizeof(SipMessage) == 272 + kHeaderIdCount * sizeof(std::string_view),
              "SipMessage changed: update SipMessage::clear()");

}  // namespace sipmon
