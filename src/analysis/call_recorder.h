#pragma once
// Builds one call record per session attempt (docs/calls.md) and hands it to a CallRecordSink
// when the attempt is closed: at its final response, at a timeout or eviction, or, for an
// established call, when its dialog ends; at the end of the input for what is still open.
//
// The outcome comes from the trackers themselves (AttemptObserver), so that record counts by
// outcome equal the report's. The other fields come from the messages of the call, which the
// engine shows the recorder around CallTracker::on_message (begin_message/end_message).
//
// Memory is bounded and reserved once: a table of open records (--max-call-records), a string
// arena with a fixed budget per record and per field (longer values are cut and flagged), and,
// with --calls-messages, a fixed array of 32 messages per record. A full table writes its oldest
// open record at once (record_evicted, counted in table_evictions.call_records).
#include <array>
#include <cstdint>
#include <memory>

#include "analysis/attempt_observer.h"
#include "analysis/bounded_table.h"
#include "analysis/call_media.h"
#include "analysis/call_record.h"
#include "analysis/message_keys.h"
#include "analysis/payload.h"
#include "analysis/peer_table.h"
#include "analysis/sip_message.h"

namespace sipmon {

struct CallRecorderConfig {
  // Open records (pending attempts and established calls not yet ended).
  std::size_t max_records = 1u << 17;
  bool messages = false;  // --calls-messages: keep the first kMaxCallMessages messages
  // Finished media streams waiting in open records, shared by all records (docs/calls.md).
  std::size_t max_media_streams = 1u << 16;
  // Raw message text (the HTML report's ladders, docs/html.md), with `messages` only: kept for the
  // messages of open records until `raw_calls` records whose outcome is in `raw_outcomes` (bit i:
  // CallOutcome i) have been written; a record decided with another outcome drops its text at
  // once. 0: none. The text lives in one pool of `raw_pool_bytes`, reserved once; a message that
  // finds it full has no text (CallMessageText::kept false).
  std::size_t raw_calls = 0;
  std::uint32_t raw_outcomes = 0;
  std::size_t raw_pool_bytes = std::size_t{16} << 20;
};

inline constexpr std::size_t kMaxCallMessages = 32;
// With --calls-messages, a record closed by a non-2xx final response waits this long (packet time)
// for the ACK of that response (RFC 3261 17.1.1.3) so that its ladder ends with it: 64*T1, the
// server transaction's Timer H. Its ACK, a later message or the end of input writes it sooner.
inline constexpr std::int64_t kAckWaitNs = 32'000'000'000;
// The raw text pool's unit: a message's text takes ceil(size / kRawChunkBytes) chunks.
inline constexpr std::size_t kRawChunkBytes = 256;
// Media streams listed per record; more are counted in its media_dropped.
inline constexpr std::size_t kMaxRecordStreams = 16;

// The budget of each string field, in bytes (docs/calls.md): 344 bytes per record in all.
inline constexpr std::array<std::uint8_t, kCallStringCount> kCallStringBudget = {
    80,  // call_id: a UUID@host fits whole (extract --calls needs it exact; cut ones are flagged)
    40,  // from
    40,  // to
    40,  // request_uri
    40,  // user_agent
    32,  // server
    32,  // final_reason: the longest RFC 3261 phrase is 30 ("Request Entity Too Large"...)
    40,  // reason_text: Q.850 cause names ("No circuit/channel available", 28)
};
inline constexpr std::size_t kCallStringBytes = [] {
  std::size_t total = 0;
  for (const auto budget : kCallStringBudget) total += budget;
  return total;
}();

class CallRecorder final : public AttemptObserver, public MediaStreamObserver {
 public:
  // `peers` (optional) names each record's peer; `sink` must outlive the recorder.
  CallRecorder(const CallRecorderConfig& config, CallRecordSink& sink, const PeerTable* peers = nullptr);
  CallRecorder(const CallRecorder&) = delete;
  CallRecorder& operator=(const CallRecorder&) = delete;

  // Around CallTracker::on_message: the message's carrier, its keys (message_keys.h), and whether
  // the transaction table saw it as a retransmission. All must stay valid until end_message().
  void begin_message(const Payload& payload, const SipMessage& message, const MessageKeys& keys, bool retransmission);
  // Starts loading the table slot begin_message(message) probes first (a hint: changes nothing).
  void prefetch(const SipMessage& message, const MessageKeys& keys) const {
    const Method method = message_method(message);
    if (method == Method::invite || method == Method::bye || !message.to_tag.empty()) table_.prefetch(keys.attempt());
  }
  // Returns the record the message belongs to (none: outside any open record), for the media
  // tracker to report the call's streams to.
  RecordRef end_message();

  // End of input: writes every open record (pending, or established with ended null).
  void flush();

  std::uint64_t evicted() const { return evicted_; }
  // Finished streams that no record listed: past kMaxRecordStreams, or the pool was full.
  std::uint64_t media_dropped() const { return media_dropped_; }
  std::size_t open_records() const { return table_.size(); }
  // The most the recorder can ever occupy (table, arena, message arrays at the cap).
  std::size_t reserved_bytes() const;
  // Messages whose raw text the pool had no room for.
  std::uint64_t raw_dropped() const { return raw_dropped_; }

  // AttemptObserver
  void attempt_opened(const CallKey& key, const SipMessage& invite, std::int64_t ts_ns) override;
  void attempt_decided(const CallKey& key, const SipMessage& response, std::int64_t ts_ns,
                       std::int64_t srd_ns) override;
  void attempt_timed_out(const CallKey& key, bool challenged) override;
  void attempt_evicted(const CallKey& key) override;
  RecordRef attempt_confirmed(const CallKey& key) override;
  void attempt_dialog_ended(RecordRef record, bool completed) override;

  // MediaStreamObserver
  void media_stream_started(RecordRef record) override;
  void media_stream_finished(RecordRef record, const CallMediaStream& stream) override;

 private:
  struct Open {
    std::int64_t start_ns;
    std::int64_t ringing_ns;
    std::int64_t answered_ns;
    std::int64_t ended_ns;
    std::int64_t srd_ns;
    CallEndpoint src;
    CallEndpoint dst;
    std::uint32_t serial;      // RecordRef::check
    std::uint32_t first_cseq;  // the attempt's INVITE transactions: CSeq first..latest
    std::uint32_t latest_cseq;
    std::uint32_t retransmissions;
    std::array<std::uint8_t, kCallStringCount> lengths;
    std::uint16_t truncated;
    std::uint16_t final_code;
    std::int16_t reason_cause;
    std::uint8_t reason_protocol;
    std::uint8_t reason_rank;  // whose Reason is kept: 0 none, 1 CANCEL, 2 final response, 3 BYE
    std::uint8_t message_count;
    std::uint8_t peer;  // 0xff: none
    CallTransport transport;
    CallOutcome outcome;
    EndedBy ended_by;
    bool decided;
    bool messages_truncated;
    // Media: finished streams as a list in the pool, and the streams still live. An attempt that
    // closes with live streams is `closing` until the last one finishes.
    std::uint32_t media_head;
    std::uint32_t media_tail;
    std::uint32_t media_dropped;
    std::uint16_t live_streams;
    std::uint8_t media_count;
    bool closing;
    bool closing_completed;
    // Waiting for the ACK of its non-2xx final response (CSeq final_cseq), in the ack list.
    bool awaiting_ack;
    bool raw_off;  // its raw text was released: keeps no more
    std::uint32_t final_cseq;
    std::uint32_t ack_prev;
    std::uint32_t ack_next;
    std::int64_t ack_deadline_ns;
  };
  // Where one message's raw text sits in the pool (a chain of chunks).
  struct RawRef {
    std::uint32_t head;
    std::uint32_t size;  // the whole message
    std::uint16_t kept;  // bytes kept (at most kMaxRawMessageBytes)
    bool stored;
  };
  using Table = BoundedTable<Open>;

  Table::Index find(const CallKey& key) const;
  void set_string(Table::Index index, CallString field, std::string_view value);
  std::string_view string(Table::Index index, CallString field) const;
  void set_reason(Table::Index index, std::uint8_t rank, const SipMessage& message);
  void note_message(Table::Index index, bool from_caller);
  void add_message(Table::Index index);
  // The open record the current message belongs to (kNone: none), looked up once per message.
  Table::Index resolve();
  // Hands the record to the sink and frees its slot (an evicted slot is freed by the table).
  void write(Table::Index index, bool record_evicted = false, bool completed = false);
  // The attempt is closed: written now, or when its last live stream finishes.
  void close(Table::Index index, bool completed = false);
  Table::Index live_ref(RecordRef record) const;
  void release_media(Table::Index index);
  // The ACK wait: start it, end it (unlinks; the caller closes), and close what expired by `now`.
  void await_ack(Table::Index index, std::int64_t now_ns);
  void unlink_ack(Table::Index index);
  void expire_ack_waits(std::int64_t now_ns);
  // Raw text: whether the record keeps it, storing one message's, releasing a record's.
  bool keeps_raw(const Open& open) const;
  void store_raw(Table::Index index, std::size_t message);
  void release_raw(Table::Index index);

  CallRecorderConfig config_;
  CallRecordSink& sink_;
  const PeerTable* peers_;
  Table table_;
  ZeroedArray<char> strings_;          // kCallStringBytes per slot
  ZeroedArray<CallMessage> messages_;  // kMaxCallMessages per slot, if enabled
  // The media pool: entries, their next links, a free list (kNoMedia ends a list).
  static constexpr std::uint32_t kNoMedia = 0xffffffffu;
  std::size_t media_capacity_;
  ZeroedArray<CallMediaStream> media_;
  ZeroedArray<std::uint32_t> media_next_;
  std::uint32_t media_free_ = kNoMedia;
  std::uint32_t media_used_ = 0;  // entries ever taken; beyond it, never used yet
  std::uint64_t media_dropped_ = 0;
  std::array<CallMediaStream, kMaxRecordStreams> media_scratch_{};  // a record's streams, in order
  // The raw text pool (config_.raw_calls): chunks, their next links, per-message refs.
  std::size_t raw_chunks_ = 0;
  ZeroedArray<char> raw_pool_;
  ZeroedArray<std::uint32_t> raw_next_;
  ZeroedArray<RawRef> raw_refs_;  // kMaxCallMessages per slot
  std::uint32_t raw_free_ = kNoMedia;
  std::uint32_t raw_used_ = 0;      // chunks ever taken; beyond it, never used yet
  std::size_t raw_free_count_ = 0;  // chunks available (free list + never used)
  std::size_t raw_written_ = 0;     // records written with an outcome in raw_outcomes
  std::uint64_t raw_dropped_ = 0;
  ZeroedArray<char> raw_scratch_;  // a record's texts, assembled for its sink
  std::array<CallMessageText, kMaxCallMessages> raw_views_{};
  // Records waiting for their ACK, oldest first (deadlines grow with packet time).
  std::uint32_t ack_head_ = 0xffffffffu;
  std::uint32_t ack_tail_ = 0xffffffffu;
  std::uint32_t next_serial_ = 1;
  std::uint64_t evicted_ = 0;
  // The message being processed (begin_message .. end_message).
  const Payload* payload_ = nullptr;
  const SipMessage* message_ = nullptr;
  const MessageKeys* keys_ = nullptr;
  bool retransmission_ = false;
  bool handled_ = false;   // the current message has been noted in its record
  bool resolved_ = false;  // resolve() has looked the current message up
  Table::Index current_ = Table::kNone;
  std::uint32_t current_serial_ = 0;
  bool current_from_caller_ = true;
};

}  // namespace sipmon
