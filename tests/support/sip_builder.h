#pragma once
// Builds SIP requests and responses as text and parses them with the real parser, for the call
// tracking tests. Messages keep their text alive (SipMessage holds views into it).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "analysis/call_tracker.h"
#include "analysis/sip_parser.h"

namespace sipmon::test {

struct CallIds {
  std::string call_id = "call-1@example.test";
  std::string from_tag = "caller-tag";
  std::string to_tag = {};  // empty: an initial request
};

class BuiltMessage {
 public:
  explicit BuiltMessage(std::string text) : text_(std::make_unique<std::string>(std::move(text))) {
    const SipParseStatus status = parse_sip_message(*text_, message_);
    if (status != SipParseStatus::message || message_.defect != MessageDefect::none)
      throw std::runtime_error("bad test message:\n" + *text_);
  }
  const SipMessage& operator*() const { return message_; }
  const SipMessage* operator->() const { return &message_; }

 private:
  std::unique_ptr<std::string> text_;
  SipMessage message_;
};

inline std::string common_headers(const CallIds& ids, std::uint32_t cseq, std::string_view cseq_method,
                                  std::string_view branch) {
  std::string h;
  h += "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK" + std::string(branch) + "\r\n";
  h += "From: <sip:alice@example.test>;tag=" + ids.from_tag + "\r\n";
  h += "To: <sip:bob@example.test>" + (ids.to_tag.empty() ? std::string() : ";tag=" + ids.to_tag) + "\r\n";
  h += "Call-ID: " + ids.call_id + "\r\n";
  h += "CSeq: " + std::to_string(cseq) + " " + std::string(cseq_method) + "\r\n";
  return h;
}

// `extra`: further header lines, each ending in CRLF.
inline BuiltMessage request(std::string_view method, const CallIds& ids, std::uint32_t cseq,
                            std::string_view extra = {}, std::string_view branch = "b1") {
  return BuiltMessage(std::string(method) + " sip:bob@example.test SIP/2.0\r\n" +
                      common_headers(ids, cseq, method, branch) + std::string(extra) + "Content-Length: 0\r\n\r\n");
}

inline BuiltMessage response(std::uint16_t status, std::string_view method, const CallIds& ids, std::uint32_t cseq,
                             std::string_view extra = {}, std::string_view branch = "b1") {
  return BuiltMessage("SIP/2.0 " + std::to_string(status) + " Reason\r\n" + common_headers(ids, cseq, method, branch) +
                      std::string(extra) + "Content-Length: 0\r\n\r\n");
}

inline CallIds answered(CallIds ids, std::string to_tag) {
  ids.to_tag = std::move(to_tag);
  return ids;
}

// The callee's view of a dialog: its requests carry the tags the other way round.
inline CallIds reversed(const CallIds& ids) { return CallIds{ids.call_id, ids.to_tag, ids.from_tag}; }

inline constexpr std::int64_t seconds(double s) { return static_cast<std::int64_t>(s * 1e9); }

// Feeds messages to a CallTracker the way the engine does: the clock first, then the message.
class CallScript {
 public:
  explicit CallScript(CallTrackerConfig config = {}) : tracker_(config) {}

  CallScript& at(double t, const BuiltMessage& message) {
    tracker_.advance(seconds(t));
    tracker_.on_message(*message, seconds(t));
    return *this;
  }
  CallScript& until(double t) {
    tracker_.advance(seconds(t));
    return *this;
  }
  Report report() const {
    Report r;
    tracker_.fill(r);
    return r;
  }
  CallTracker& tracker() { return tracker_; }

 private:
  CallTracker tracker_;
};

}  // namespace sipmon::test
