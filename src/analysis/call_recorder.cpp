#include "analysis/call_recorder.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "analysis/sip_fields.h"

namespace sipmon {
namespace {

constexpr std::array<std::uint16_t, kCallStringCount> string_offsets() {
  std::array<std::uint16_t, kCallStringCount> offsets{};
  std::uint16_t at = 0;
  for (std::size_t i = 0; i < kCallStringCount; ++i) {
    offsets[i] = at;
    at = static_cast<std::uint16_t>(at + kCallStringBudget[i]);
  }
  return offsets;
}
constexpr auto kStringOffsets = string_offsets();

// "sip:alice@example.com" from "sip:alice@example.com;user=phone?x=y": the URI alone, without its
// parameters and headers (those after the host; a ';' in the user part stays).
std::string_view uri_alone(std::string_view uri) {
  while (!uri.empty() && (uri.front() == ' ' || uri.front() == '\t')) uri.remove_prefix(1);
  const std::size_t at = uri.find('@');
  const std::size_t cut = uri.find_first_of(";?>", at == std::string_view::npos ? 0 : at);
  uri = uri.substr(0, cut);
  while (!uri.empty() && (uri.back() == ' ' || uri.back() == '\t' || uri.back() == '\r' || uri.back() == '\n')) {
    uri.remove_suffix(1);
  }
  return uri;
}

std::string_view header_uri(const SipMessage& message, HeaderId id) {
  return uri_alone(parse_name_addr(message.header(id)).uri);
}

std::string_view trimmed(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() &&
         (value.back() == ' ' || value.back() == '\t' || value.back() == '\r' || value.back() == '\n'))
    value.remove_suffix(1);
  return value;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

CallTransport transport_of(const Payload& payload, const SipMessage& message) {
  const std::string_view via = trimmed(top_via(message).transport);
  switch (payload.transport) {
    case Transport::udp:
      return CallTransport::udp;
    case Transport::tcp:
      return equals_ignore_case(via, "TLS") ? CallTransport::tls : CallTransport::tcp;
    case Transport::sctp:
      return CallTransport::sctp;
    case Transport::websocket:
      return equals_ignore_case(via, "WSS") ? CallTransport::wss : CallTransport::ws;
  }
  return CallTransport::udp;
}

CallOutcome outcome_of(std::uint16_t status) {  // docs/metrics.md, "Session attempts"
  if (status < 300) return CallOutcome::established;
  if (status < 400) return CallOutcome::redirected;
  if (status == 487) return CallOutcome::cancelled;
  if (status == 408 || status == 500 || status == 503 || status == 504) return CallOutcome::ineffective;
  return CallOutcome::failed;
}

}  // namespace

CallRecorder::CallRecorder(const CallRecorderConfig& config, CallRecordSink& sink, const PeerTable* peers)
    : config_(config),
      sink_(sink),
      peers_(peers),
      table_(config.max_records),
      strings_(table_.capacity() * kCallStringBytes),
      media_capacity_(std::max<std::size_t>(1, std::min<std::size_t>(config.max_media_streams, kNoMedia - 1))),
      media_(media_capacity_),
      media_next_(media_capacity_) {
  if (config_.messages) {
    messages_ = ZeroedArray<CallMessage>(table_.capacity() * kMaxCallMessages);
    if (config_.raw_calls > 0) {
      raw_chunks_ = std::clamp<std::size_t>(config_.raw_pool_bytes / kRawChunkBytes, 1, kNoMedia - 1);
      raw_pool_ = ZeroedArray<char>(raw_chunks_ * kRawChunkBytes);
      raw_next_ = ZeroedArray<std::uint32_t>(raw_chunks_);
      raw_refs_ = ZeroedArray<RawRef>(table_.capacity() * kMaxCallMessages);
      raw_scratch_ = ZeroedArray<char>(kMaxCallMessages * kMaxRawMessageBytes);
      raw_free_count_ = raw_chunks_;
    }
  }
}

std::size_t CallRecorder::reserved_bytes() const {
  return table_.reserved_bytes() + table_.capacity() * kCallStringBytes +
         media_capacity_ * (sizeof(CallMediaStream) + sizeof(std::uint32_t)) +
         (config_.messages ? table_.capacity() * kMaxCallMessages * sizeof(CallMessage) : 0) +
         (raw_refs_ ? raw_chunks_ * (kRawChunkBytes + sizeof(std::uint32_t)) +
                          table_.capacity() * kMaxCallMessages * sizeof(RawRef) + kMaxCallMessages * kMaxRawMessageBytes
                    : 0);
}

CallRecorder::Table::Index CallRecorder::find(const CallKey& key) const { return table_.find(key); }

void CallRecorder::set_string(Table::Index index, CallString field, std::string_view value) {
  const auto i = static_cast<std::size_t>(field);
  Open& open = table_[index];
  const std::size_t budget = kCallStringBudget[i];
  const std::size_t length = std::min(value.size(), budget);
  if (length != 0) std::memcpy(strings_.get() + index * kCallStringBytes + kStringOffsets[i], value.data(), length);
  open.lengths[i] = static_cast<std::uint8_t>(length);
  const auto bit = static_cast<std::uint16_t>(1u << i);
  open.truncated = static_cast<std::uint16_t>(value.size() > budget ? (open.truncated | bit) : (open.truncated & ~bit));
}

std::string_view CallRecorder::string(Table::Index index, CallString field) const {
  const auto i = static_cast<std::size_t>(field);
  return {strings_.get() + index * kCallStringBytes + kStringOffsets[i], table_[index].lengths[i]};
}

// RFC 3326: a message may carry a SIP and a Q.850 Reason together; the Q.850 cause is the one an
// operator looks up, so it is preferred.
void CallRecorder::set_reason(Table::Index index, std::uint8_t rank, const SipMessage& message) {
  Open& open = table_[index];
  if (rank < open.reason_rank) return;
  std::array<std::string_view, 4> values{};
  const std::size_t count = std::min(header_values(message, HeaderId::reason, values), values.size());
  if (count == 0) return;
  ReasonValue chosen = parse_reason(values[0]);
  for (std::size_t i = 1; i < count && !equals_ignore_case(trimmed(chosen.protocol), "Q.850"); ++i) {
    const ReasonValue other = parse_reason(values[i]);
    if (equals_ignore_case(trimmed(other.protocol), "Q.850")) chosen = other;
  }
  const std::string_view protocol = trimmed(chosen.protocol);
  open.reason_rank = rank;
  open.reason_protocol = equals_ignore_case(protocol, "Q.850") ? 1 : equals_ignore_case(protocol, "SIP") ? 2 : 3;
  open.reason_cause = chosen.cause && *chosen.cause <= 0x7fff ? static_cast<std::int16_t>(*chosen.cause) : -1;
  set_string(index, CallString::reason_text, chosen.text);
}

void CallRecorder::begin_message(const Payload& payload, const SipMessage& message, const MessageKeys& keys,
                                 bool retransmission) {
  expire_ack_waits(payload.ts_ns);
  payload_ = &payload;
  message_ = &message;
  keys_ = &keys;
  retransmission_ = retransmission;
  handled_ = false;
  resolved_ = false;
}

RecordRef CallRecorder::end_message() {
  RecordRef record;
  if (message_ != nullptr) {
    const Table::Index index = resolve();
    if (index != Table::kNone && !handled_) note_message(index, current_from_caller_);
    if (index != Table::kNone) record = RecordRef{index, table_[index].serial};
  }
  payload_ = nullptr;
  message_ = nullptr;
  keys_ = nullptr;
  return record;
}

// The open record the current message belongs to: the caller's messages and the responses to them
// carry the caller's tag in From, the callee's requests in To. Messages outside calls (REGISTER,
// OPTIONS, SUBSCRIBE...) are not looked up.
CallRecorder::Table::Index CallRecorder::resolve() {
  if (resolved_) {
    if (current_ != Table::kNone && table_.live(current_) && table_[current_].serial == current_serial_)
      return current_;
    return Table::kNone;
  }
  resolved_ = true;
  current_ = Table::kNone;
  const SipMessage& m = *message_;
  const Method method = message_method(m);
  const bool in_call = method == Method::invite || method == Method::ack || method == Method::cancel ||
                       method == Method::bye || !m.to_tag.empty();
  if (!in_call || m.call_id.empty()) return Table::kNone;
  Table::Index index = find(keys_->attempt());
  current_from_caller_ = true;
  if (index == Table::kNone && !m.to_tag.empty() && m.is_request) {
    index = find(keys_->callee_attempt());
    current_from_caller_ = false;
  } else if (index == Table::kNone && !m.to_tag.empty()) {
    // A response to the callee's request (its BYE): From is the callee's, To the caller's.
    index = find(keys_->callee_attempt());
    current_from_caller_ = false;
  }
  // A closed attempt waiting for its streams takes no more messages.
  if (index != Table::kNone && table_[index].closing) index = Table::kNone;
  current_ = index;
  if (index != Table::kNone) current_serial_ = table_[index].serial;
  return index;
}

// The message belongs to this record's call: its fields, retransmissions and ladder entry.
void CallRecorder::note_message(Table::Index index, bool from_caller) {
  handled_ = true;
  const SipMessage& m = *message_;
  Open& open = table_[index];
  add_message(index);
  if (open.awaiting_ack) {
    // Closed already: the message only joins the ladder, and the ACK of its final response ends it.
    if (m.is_request && m.method_id == Method::ack && from_caller && m.cseq_number == open.final_cseq) {
      unlink_ack(index);
      close(index);
    }
    return;
  }
  const std::int64_t ts = payload_->ts_ns;
  if (m.is_request) {
    switch (m.method_id) {
      case Method::invite:
        if (m.to_tag.empty() && from_caller) {
          if (m.cseq_number > open.latest_cseq && !open.decided) open.latest_cseq = m.cseq_number;
          if (retransmission_ && m.cseq_number >= open.first_cseq && m.cseq_number <= open.latest_cseq)
            ++open.retransmissions;
        }
        break;
      case Method::cancel:
        set_reason(index, 1, m);
        break;
      case Method::bye:
        if (open.ended_ns == kNoTime) {
          open.ended_ns = ts;
          open.ended_by = from_caller ? EndedBy::caller : EndedBy::callee;
          set_reason(index, 3, m);
        }
        break;
      default:
        break;
    }
    return;
  }
  // A response to one of the attempt's INVITE transactions (not a re-INVITE's).
  if (m.cseq_method_id != Method::invite || !from_caller || m.cseq_number < open.first_cseq ||
      m.cseq_number > open.latest_cseq) {
    return;
  }
  if (retransmission_) ++open.retransmissions;
  const std::uint16_t status = m.status_code;
  if (status == 100) return;
  if (status < 200 && open.ringing_ns == kNoTime && !open.decided) open.ringing_ns = ts;
  if (open.lengths[static_cast<std::size_t>(CallString::server)] == 0) {
    std::string_view server_name = trimmed(server(m));
    if (server_name.empty()) server_name = trimmed(user_agent(m));
    if (!server_name.empty()) set_string(index, CallString::server, server_name);
  }
  if ((status == 401 || status == 407) && !open.decided) {
    // The challenge: the final answer if no authenticated INVITE follows in time.
    open.final_code = status;
    set_string(index, CallString::final_reason, trimmed(m.reason_phrase));
    set_reason(index, 2, m);
  }
}

void CallRecorder::add_message(Table::Index index) {
  if (!config_.messages) return;
  Open& open = table_[index];
  if (open.message_count == kMaxCallMessages) {
    open.messages_truncated = true;
    return;
  }
  const SipMessage& m = *message_;
  CallMessage& entry = messages_[index * kMaxCallMessages + open.message_count++];
  entry.ts_ns = payload_->ts_ns;
  entry.src = CallEndpoint{payload_->src, payload_->src_port};
  entry.dst = CallEndpoint{payload_->dst, payload_->dst_port};
  entry.status_code = m.is_request ? 0 : m.status_code;
  entry.method = message_method(m);
  entry.retransmission = retransmission_;
  if (keeps_raw(open)) store_raw(index, open.message_count - 1u);
}

bool CallRecorder::keeps_raw(const Open& open) const {
  return raw_refs_ && !open.raw_off && raw_written_ < config_.raw_calls;
}

// The message as it was on the wire: from its start line (after any CRLFs before it) through its
// body, the first kMaxRawMessageBytes of it kept in a chain of pool chunks.
void CallRecorder::store_raw(Table::Index index, std::size_t message) {
  RawRef& ref = raw_refs_[index * kMaxCallMessages + message];
  std::string_view text = as_text(payload_->bytes);
  text = text.substr(0, std::min(text.size(), message_->wire_length));
  while (!text.empty() && (text.front() == '\r' || text.front() == '\n')) text.remove_prefix(1);
  const std::size_t kept = std::min(text.size(), kMaxRawMessageBytes);
  const std::size_t chunks = (kept + kRawChunkBytes - 1) / kRawChunkBytes;
  ref = RawRef{kNoMedia, static_cast<std::uint32_t>(std::min<std::size_t>(text.size(), UINT32_MAX)), 0, false};
  if (chunks > raw_free_count_) {
    ++raw_dropped_;
    return;
  }
  raw_free_count_ -= chunks;
  std::uint32_t* link = &ref.head;
  for (std::size_t c = 0; c < chunks; ++c) {
    std::uint32_t chunk;
    if (raw_free_ != kNoMedia) {
      chunk = raw_free_;
      raw_free_ = raw_next_[chunk];
    } else {
      chunk = raw_used_++;
    }
    const std::size_t from = c * kRawChunkBytes;
    std::memcpy(raw_pool_.get() + std::size_t{chunk} * kRawChunkBytes, text.data() + from,
                std::min(kRawChunkBytes, kept - from));
    *link = chunk;
    link = &raw_next_[chunk];
  }
  *link = kNoMedia;
  ref.kept = static_cast<std::uint16_t>(kept);
  ref.stored = true;
}

void CallRecorder::release_raw(Table::Index index) {
  if (!raw_refs_) return;
  const Open& open = table_[index];
  for (std::size_t i = 0; i < open.message_count; ++i) {
    RawRef& ref = raw_refs_[index * kMaxCallMessages + i];
    if (!ref.stored) continue;
    ref.stored = false;
    for (std::uint32_t chunk = ref.head; chunk != kNoMedia;) {
      const std::uint32_t next = raw_next_[chunk];
      raw_next_[chunk] = raw_free_;
      raw_free_ = chunk;
      ++raw_free_count_;
      chunk = next;
    }
  }
}

void CallRecorder::await_ack(Table::Index index, std::int64_t now_ns) {
  Open& open = table_[index];
  open.awaiting_ack = true;
  open.ack_deadline_ns = now_ns + kAckWaitNs;
  open.ack_next = Table::kNone;
  open.ack_prev = ack_tail_;
  if (ack_tail_ == Table::kNone)
    ack_head_ = index;
  else
    table_[ack_tail_].ack_next = index;
  ack_tail_ = index;
}

void CallRecorder::unlink_ack(Table::Index index) {
  Open& open = table_[index];
  if (!open.awaiting_ack) return;
  open.awaiting_ack = false;
  if (open.ack_prev == Table::kNone)
    ack_head_ = open.ack_next;
  else
    table_[open.ack_prev].ack_next = open.ack_next;
  if (open.ack_next == Table::kNone)
    ack_tail_ = open.ack_prev;
  else
    table_[open.ack_next].ack_prev = open.ack_prev;
}

// Packet time only moves forward in practice; a record whose ACK never came is written once a
// message at least kAckWaitNs later arrives (or at the end of input).
void CallRecorder::expire_ack_waits(std::int64_t now_ns) {
  while (ack_head_ != Table::kNone && table_[ack_head_].ack_deadline_ns <= now_ns) {
    const Table::Index index = ack_head_;
    unlink_ack(index);
    close(index);
  }
}

void CallRecorder::write(Table::Index index, bool record_evicted, bool completed) {
  unlink_ack(index);
  const Open& open = table_[index];
  CallRecord record;
  for (std::size_t i = 0; i < kCallStringCount; ++i) record.strings[i] = string(index, static_cast<CallString>(i));
  record.truncated_strings = open.truncated;
  record.src = open.src;
  record.dst = open.dst;
  record.has_endpoints = true;
  record.transport = open.transport;
  record.start_ns = open.start_ns;
  record.ringing_ns = open.ringing_ns;
  record.answered_ns = open.answered_ns;
  record.ended_ns = open.ended_ns;
  record.outcome = open.outcome;
  // A closed attempt waiting for its streams keeps how it closed, whoever writes it.
  record.completed =
      open.outcome == CallOutcome::established && (completed || (open.closing && open.closing_completed));
  record.final_code = open.final_code;
  record.reason_protocol = open.reason_protocol;
  record.reason_cause = open.reason_cause;
  record.srd_ns = open.srd_ns;
  if (open.answered_ns != kNoTime && open.ended_ns != kNoTime) record.duration_ns = open.ended_ns - open.answered_ns;
  record.ended_by = open.ended_by;
  record.retransmissions = open.retransmissions;
  if (peers_ != nullptr && open.peer != 0xff) record.peer = peers_->name(open.peer);
  record.record_evicted = record_evicted;
  record.messages_enabled = config_.messages;
  if (config_.messages) {
    record.messages = std::span<const CallMessage>(&messages_[index * kMaxCallMessages], open.message_count);
    record.messages_truncated = open.messages_truncated;
    bool any_stored = false;
    for (std::size_t i = 0; raw_refs_ && i < open.message_count; ++i)
      any_stored = any_stored || raw_refs_[index * kMaxCallMessages + i].stored;
    // Text for a record that kept some, or that could have (its pool ran dry): not for one that
    // started after the quota was spent.
    if (raw_refs_ && !open.raw_off && (any_stored || raw_written_ < config_.raw_calls)) {
      char* out = raw_scratch_.get();
      for (std::size_t i = 0; i < open.message_count; ++i) {
        const RawRef& ref = raw_refs_[index * kMaxCallMessages + i];
        CallMessageText& view = raw_views_[i];
        view = CallMessageText{{}, ref.size, ref.stored};
        if (!ref.stored) continue;
        char* at = out + i * kMaxRawMessageBytes;
        std::size_t copied = 0;
        for (std::uint32_t chunk = ref.head; chunk != kNoMedia && copied < ref.kept; chunk = raw_next_[chunk]) {
          const std::size_t n = std::min<std::size_t>(kRawChunkBytes, ref.kept - copied);
          std::memcpy(at + copied, raw_pool_.get() + std::size_t{chunk} * kRawChunkBytes, n);
          copied += n;
        }
        view.text = std::string_view(at, copied);
      }
      record.message_texts = std::span<const CallMessageText>(raw_views_.data(), open.message_count);
      if (((config_.raw_outcomes >> static_cast<unsigned>(open.outcome)) & 1u) && raw_written_ < config_.raw_calls)
        ++raw_written_;
    }
  }
  std::size_t streams = 0;
  for (std::uint32_t m = open.media_head; m != kNoMedia && streams < media_scratch_.size(); m = media_next_[m]) {
    media_scratch_[streams++] = media_[m];
  }
  record.media = std::span<const CallMediaStream>(media_scratch_.data(), streams);
  record.media_dropped = open.media_dropped;
  sink_.on_call_record(record);
  release_media(index);
  release_raw(index);
  if (!record_evicted) table_.erase(index);  // an evicted slot is erased by the table itself
}

void CallRecorder::release_media(Table::Index index) {
  Open& open = table_[index];
  if (open.media_head != kNoMedia) {
    media_next_[open.media_tail] = media_free_;
    media_free_ = open.media_head;
  }
  open.media_head = open.media_tail = kNoMedia;
  open.media_count = 0;
}

void CallRecorder::close(Table::Index index, bool completed) {
  Open& open = table_[index];
  if (open.live_streams == 0) {
    write(index, false, completed);
    return;
  }
  open.closing = true;
  open.closing_completed = completed;
}

CallRecorder::Table::Index CallRecorder::live_ref(RecordRef record) const {
  if (record.index == RecordRef{}.index || !table_.live(record.index) || table_[record.index].serial != record.check)
    return Table::kNone;
  return record.index;
}

// --- the media tracker's events -------------------------------------------------------------------

void CallRecorder::media_stream_started(RecordRef record) {
  const Table::Index index = live_ref(record);
  // Saturates: a record with that many streams at once is written when the count runs out.
  if (index != Table::kNone && table_[index].live_streams != UINT16_MAX) ++table_[index].live_streams;
}

void CallRecorder::media_stream_finished(RecordRef record, const CallMediaStream& stream) {
  const Table::Index index = live_ref(record);
  if (index == Table::kNone) return;  // written already (evicted, replaced, or flushed)
  Open& open = table_[index];
  if (open.live_streams > 0) --open.live_streams;
  std::uint32_t entry = kNoMedia;
  if (open.media_count < kMaxRecordStreams) {
    if (media_free_ != kNoMedia) {
      entry = media_free_;
      media_free_ = media_next_[entry];
    } else if (media_used_ < media_capacity_) {
      entry = media_used_++;
    }
  }
  if (entry == kNoMedia) {
    ++open.media_dropped;
    ++media_dropped_;
  } else {
    media_[entry] = stream;
    media_next_[entry] = kNoMedia;
    if (open.media_head == kNoMedia)
      open.media_head = entry;
    else
      media_next_[open.media_tail] = entry;
    open.media_tail = entry;
    ++open.media_count;
  }
  if (open.closing && open.live_streams == 0) write(index, false, open.closing_completed);
}

void CallRecorder::flush() {
  for (Table::Index index = table_.oldest(); index != Table::kNone; index = table_.oldest()) write(index);
}

// --- the trackers' events -------------------------------------------------------------------------

void CallRecorder::attempt_opened(const CallKey& key, const SipMessage& invite, std::int64_t ts_ns) {
  // The same Call-ID and From-tag again while the previous attempt's call is still open (a new
  // INVITE after a 3xx is written at its 3xx): that record is written as it stands.
  if (const Table::Index previous = find(key); previous != Table::kNone) write(previous);
  const Table::Index index = table_.insert(key, [this](Table::Index victim) {
    ++evicted_;
    write(victim, true);
  });
  Open& open = table_[index];
  open = Open{};
  open.start_ns = ts_ns;
  open.ringing_ns = open.answered_ns = open.ended_ns = kNoTime;
  open.srd_ns = -1;
  open.serial = next_serial_++;
  open.first_cseq = open.latest_cseq = invite.cseq_number;
  open.reason_cause = -1;
  open.peer = 0xff;
  open.outcome = CallOutcome::pending;
  open.ended_by = EndedBy::unknown;
  open.media_head = open.media_tail = kNoMedia;
  open.ack_prev = open.ack_next = Table::kNone;
  if (payload_ != nullptr) {
    open.src = CallEndpoint{payload_->src, payload_->src_port};
    open.dst = CallEndpoint{payload_->dst, payload_->dst_port};
    open.transport = transport_of(*payload_, invite);
    if (peers_ != nullptr) {
      const std::size_t peer = peers_->peer_of(payload_->src, payload_->dst);
      open.peer = static_cast<std::uint8_t>(std::min<std::size_t>(peer, 0xfe));
    }
  }
  set_string(index, CallString::call_id, invite.call_id);
  set_string(index, CallString::from, header_uri(invite, HeaderId::from));
  set_string(index, CallString::to, header_uri(invite, HeaderId::to));
  set_string(index, CallString::request_uri, uri_alone(invite.request_uri));
  set_string(index, CallString::user_agent, trimmed(user_agent(invite)));
  // The INVITE that opened the record is the current message: end_message() notes it.
  if (message_ == &invite) {
    resolved_ = true;
    current_ = index;
    current_serial_ = open.serial;
    current_from_caller_ = true;
  }
}

void CallRecorder::attempt_decided(const CallKey& key, const SipMessage& response, std::int64_t ts_ns,
                                   std::int64_t srd_ns) {
  const Table::Index index = find(key);
  // Its record was evicted from a full record table, or it is closed and waits for its streams.
  if (index == Table::kNone || table_[index].closing || table_[index].awaiting_ack) return;
  if (message_ == &response && !handled_ && resolve() == index) note_message(index, current_from_caller_);
  Open& open = table_[index];
  const std::uint16_t status = response.status_code;
  open.decided = true;
  open.outcome = outcome_of(status);
  if (raw_refs_ && !((config_.raw_outcomes >> static_cast<unsigned>(open.outcome)) & 1u)) {
    release_raw(index);  // a call the page will not show with its text
    open.raw_off = true;
  }
  open.final_code = status;
  open.srd_ns = srd_ns;
  set_string(index, CallString::final_reason, trimmed(response.reason_phrase));
  if (status < 300) {
    open.answered_ns = ts_ns;
    return;  // written when its dialog ends
  }
  set_reason(index, 2, response);
  if (config_.messages) {
    // Its ladder ends with the ACK of this response (RFC 3261 17.1.1.3): written when that comes.
    open.final_cseq = response.cseq_number;
    await_ack(index, ts_ns);
    return;
  }
  close(index);
}

void CallRecorder::attempt_timed_out(const CallKey& key, bool challenged) {
  const Table::Index index = find(key);
  if (index == Table::kNone || table_[index].closing || table_[index].awaiting_ack) return;
  Open& open = table_[index];
  open.decided = true;
  if (challenged) {
    open.outcome = CallOutcome::failed;  // the 401/407 noted with the challenge stands
  } else {
    open.outcome = CallOutcome::timeout;
    open.final_code = 0;  // an earlier challenge was answered: nothing final came
    set_string(index, CallString::final_reason, {});
  }
  close(index);
}

void CallRecorder::attempt_evicted(const CallKey& key) {
  const Table::Index index = find(key);
  if (index == Table::kNone || table_[index].closing || table_[index].awaiting_ack) return;
  table_[index].outcome = CallOutcome::evicted;
  close(index);
}

RecordRef CallRecorder::attempt_confirmed(const CallKey& key) {
  const Table::Index index = find(key);
  if (index == Table::kNone || table_[index].closing || table_[index].awaiting_ack) return {};
  return RecordRef{index, table_[index].serial};
}

void CallRecorder::attempt_dialog_ended(RecordRef record, bool completed) {
  const Table::Index index = live_ref(record);
  // Written already (evicted from a full record table, or replaced), or closed already.
  if (index == Table::kNone || table_[index].closing || table_[index].awaiting_ack) return;
  if (message_ != nullptr && !handled_ && resolve() == index) note_message(index, current_from_caller_);
  close(index, completed);
}

}  // namespace sipmon
