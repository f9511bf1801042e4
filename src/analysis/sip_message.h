#pragma once
// A parsed SIP message: views into the packet bytes, nothing copied. Valid only as long as the
// packet buffer the parser was given.
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <utility>

#include "analysis/anomaly.h"
#include "analysis/sip_header_names.h"
#include "analysis/sip_method.h"

namespace sipmon {

// Every field of a parsed message except its header slots: clear() resets them all from one
// constant (a dozen vector stores), so a field added here needs no edit there.
struct SipMessageFields {
  bool is_request = false;

  // Request line (RFC 3261 §7.1).
  std::string_view method;  // exact token as sent
  Method method_id = Method::other;
  std::string_view request_uri;

  // Status line (§7.2).
  std::uint16_t status_code = 0;
  std::string_view reason_phrase;

  // Derived from the header slots.
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
};

struct SipMessage : SipMessageFields {
  static_assert(kHeaderIdCount <= 64, "filled_headers has one bit per header slot");

  // First value of each header the engine reads. Folded lines stay inside the view; readers
  // treat CR/LF as white space. A slot holds a value only while its bit in `filled_headers` is
  // set: what a slot without it holds is stale (a previous message's), so read through header().
  std::array<std::string_view, kHeaderIdCount> headers{};
  // Which of `headers` hold a value (bit i for slot i).
  std::uint64_t filled_headers = 0;

  // The header's first value; empty when the message has none.
  std::string_view header(HeaderId id) const {
    const auto slot = static_cast<std::size_t>(id);
    return (filled_headers >> slot & 1u) != 0 ? headers[slot] : std::string_view{};
  }
  void set_header(HeaderId id, std::string_view value) {
    const auto slot = static_cast<std::size_t>(id);
    headers[slot] = value;
    filled_headers |= std::uint64_t{1} << slot;
  }

  // Back to a default-constructed message. The header slots are emptied by clearing their bits
  // alone: zeroing them (~500 bytes, or the filled ones one by one) ran for every message.
  void clear();
};

namespace sip_message_detail {

inline constexpr SipMessageFields kClearedFields{};

// Copies `Words` 8-byte words, unrolled at compile time. With GCC 12 -O2, `fields =
// SipMessageFields{}` builds a stack temporary with `rep stos` and copies it with `rep movs`, and a
// whole-struct copy (or memcpy) of kClearedFields is a `rep movs` too; fixed-size word copies of a
// constant fold to a dozen vector stores of immediates.
template <std::size_t... Words>
inline void copy_words(void* to, const void* from, std::index_sequence<Words...>) {
  (std::memcpy(static_cast<char*>(to) + Words * 8, static_cast<const char*>(from) + Words * 8, 8), ...);
}

}  // namespace sip_message_detail

inline void SipMessage::clear() {
  filled_headers = 0;
  static_assert(std::is_trivially_copyable_v<SipMessageFields> && sizeof(SipMessageFields) % 8 == 0);
  sip_message_detail::copy_words(static_cast<SipMessageFields*>(this), &sip_message_detail::kClearedFields,
                                 std::make_index_sequence<sizeof(SipMessageFields) / 8>{});
}

// The method a message is about: a request's own, a response's from its CSeq.
inline Method message_method(const SipMessage& m) { return m.is_request ? m.method_id : m.cseq_method_id; }

// clear() resets SipMessageFields whole; a field added to SipMessage itself would escape it.
static_assert(sizeof(SipMessage) ==
                  sizeof(SipMessageFields) + kHeaderIdCount * sizeof(std::string_view) + sizeof(std::uint64_t),
              "SipMessage holds only the header slots beside SipMessageFields: add new fields there");

}  // namespace sipmon
