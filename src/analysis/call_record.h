#pragma once
// One record per session attempt (docs/calls.md): what an operator asks after "SER dropped" —
// which call, between whom, with what code and what cause. The engine's CallRecorder builds them
// in bounded, preallocated storage and hands each closed record to a CallRecordSink; an output
// (src/outputs/call_record_writer.*) renders it. Everything here is a view valid only during the
// sink call: the strings point into the recorder's arena.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "analysis/ip_decoder.h"
#include "analysis/sip_method.h"

namespace sipmon {

// The outcomes of docs/metrics.md, one per attempt. ineffective + timeout are
// rfc6076.sessions_ineffective; evicted is table_evictions.session_attempts.
enum class CallOutcome : std::uint8_t {
  pending,  // still undecided when the record was written (end of input)
  established,
  redirected,
  cancelled,
  failed,
  ineffective,
  timeout,
  evicted,
};
const char* call_outcome_name(CallOutcome outcome);

// "UDP", "TCP", "TLS", "SCTP", "WS", "WSS" (TLS and WSS only from the top Via of a message that
// reached sipmon decrypted, e.g. over HEP).
enum class CallTransport : std::uint8_t { udp, tcp, tls, sctp, ws, wss };
const char* call_transport_name(CallTransport transport);

enum class EndedBy : std::uint8_t { unknown, caller, callee };

struct CallEndpoint {
  IpAddress address;
  std::uint16_t port = 0;
};

// One message of the call, for a ladder diagram (--calls-messages).
struct CallMessage {
  std::int64_t ts_ns = 0;
  CallEndpoint src;
  CallEndpoint dst;
  std::uint16_t status_code = 0;  // 0: a request
  Method method = Method::other;  // the request's method, or the response's CSeq method
  bool retransmission = false;
};

// The raw text of one message of a ladder (the HTML report's; docs/html.md): its first
// kMaxRawMessageBytes bytes, from the start line through the body, as they were on the wire.
struct CallMessageText {
  std::string_view text;   // empty when not kept
  std::uint32_t size = 0;  // the whole message's size in bytes (text is shorter when cut)
  bool kept = false;       // false: not kept (the recorder's raw text pool was full)
};
inline constexpr std::size_t kMaxRawMessageBytes = 4096;

// The string fields kept per record, each with its own part of the fixed budget.
enum class CallString : std::uint8_t {
  call_id,
  from,
  to,
  request_uri,
  user_agent,
  server,
  final_reason,
  reason_text,
  kCount,
};
inline constexpr std::size_t kCallStringCount = static_cast<std::size_t>(CallString::kCount);
const char* call_string_name(CallString field);

inline constexpr std::int64_t kNoTime = INT64_MIN;

struct CallMediaStream;  // call_media.h

struct CallRecord {
  std::string_view strings[kCallStringCount];  // empty: unknown (null)
  std::uint16_t truncated_strings = 0;         // bit i: strings[i] was cut to its budget
  CallEndpoint src;
  CallEndpoint dst;
  bool has_endpoints = false;
  CallTransport transport = CallTransport::udp;
  std::int64_t start_ns = kNoTime;
  std::int64_t ringing_ns = kNoTime;
  std::int64_t answered_ns = kNoTime;
  std::int64_t ended_ns = kNoTime;
  CallOutcome outcome = CallOutcome::pending;
  bool completed = false;
  std::uint16_t final_code = 0;  // 0: none
  // Reason header (RFC 3326): protocol 0 none, 1 Q.850, 2 SIP, 3 another; cause < 0: none.
  std::uint8_t reason_protocol = 0;
  std::int32_t reason_cause = -1;
  std::int64_t srd_ns = -1;       // RFC 6076 SRD of this attempt; -1: none
  std::int64_t duration_ns = -1;  // SDT; -1 unless answered and ended
  EndedBy ended_by = EndedBy::unknown;
  std::uint32_t retransmissions = 0;
  std::string_view peer;  // --peers: the peer of the first INVITE; empty: null
  // Written because the record table was full (--max-call-records): outcome as known then.
  bool record_evicted = false;
  // --calls-messages: the first messages of the call, and whether more came.
  bool messages_enabled = false;
  std::span<const CallMessage> messages;
  bool messages_truncated = false;
  // The raw text of each of `messages` (same order and size), when the recorder kept it for this
  // record (CallRecorderConfig::raw_calls); empty otherwise.
  std::span<const CallMessageText> message_texts;
  // The call's RTP streams (call_media.h), in the order they finished; streams past the record's
  // slots or the recorder's pool are only counted.
  std::span<const CallMediaStream> media;
  std::uint32_t media_dropped = 0;

  std::string_view string(CallString field) const { return strings[static_cast<std::size_t>(field)]; }
  bool truncated(CallString field) const { return (truncated_strings >> static_cast<unsigned>(field)) & 1u; }
};

class CallRecordSink {
 public:
  virtual ~CallRecordSink() = default;
  virtual void on_call_record(const CallRecord& record) = 0;
};

}  // namespace sipmon
