#include "analysis/sctp_decoder.h"

#include <algorithm>

#include "analysis/serial_number.h"

namespace sipmon {
namespace {

constexpr std::size_t kCommonHeader = 12;
constexpr std::size_t kChunkHeader = 4;
constexpr std::uint8_t kData = 0;
constexpr std::uint8_t kIData = 64;
constexpr std::size_t kDataHeader = 16;   // chunk header, TSN, stream id/seq, PPID
constexpr std::size_t kIDataHeader = 20;  // chunk header, TSN, stream id, MID, PPID/FSN
constexpr std::uint8_t kBegin = 0x02;
constexpr std::uint8_t kEnd = 0x01;

}  // namespace

SctpDecoder::SctpDecoder(SctpLimits limits) : limits_(limits), table_(limits.max_messages) {}

SctpDecoder::Partial* SctpDecoder::add_fragment(const Payload& p, std::uint16_t stream, std::uint32_t tsn,
                                                std::uint8_t flags, Bytes data, DecoderEventCounts& events,
                                                FrameOutcome& outcome) {
  Partial* match = nullptr;
  Partial* free_slot = nullptr;
  Partial* oldest = nullptr;
  for (Partial& m : table_) {
    if (m.used && p.ts_ns - m.first_ts_ns > limits_.timeout_ns) {
      events.add(DecoderEvent::sctp_reassembly_timeout);
      m.used = false;
    }
    if (!m.used) {
      if (!free_slot) free_slot = &m;
      continue;
    }
    if (m.stream == stream && m.src_port == p.src_port && m.dst_port == p.dst_port && m.src == p.src &&
        m.dst == p.dst) {
      match = &m;
    } else if (!oldest || m.first_ts_ns < oldest->first_ts_ns) {
      oldest = &m;
    }
  }
  outcome = FrameOutcome::sctp_fragment_buffered;
  if (flags & kBegin) {
    if (match) {
      events.add(DecoderEvent::sctp_reassembly_incomplete);  // a new message began before the last ended
    } else {
      match = free_slot;
      if (!match) {
        if (!oldest) return nullptr;
        events.add(DecoderEvent::sctp_reassembly_evicted);
        match = oldest;
      }
    }
    match->used = true;
    match->src = p.src;
    match->dst = p.dst;
    match->src_port = p.src_port;
    match->dst_port = p.dst_port;
    match->stream = stream;
    match->first_ts_ns = p.ts_ns;
    match->data.clear();
  } else if (!match || match->next_tsn != tsn) {
    // A middle or last piece whose beginning we never saw (or a lost piece before it).
    if (match && serial_before(tsn, match->next_tsn)) {  // RFC 1982, as TSNs wrap (RFC 9260 §3.3.1)
      return nullptr;  // an old TSN again: a retransmitted piece, already in the buffer
    }
    if (match) {
      events.add(DecoderEvent::sctp_reassembly_incomplete);
      match->used = false;
    }
    outcome = FrameOutcome::sctp_fragment_orphaned;
    return nullptr;
  }
  if (match->data.size() + data.size() > limits_.max_message_bytes) {
    events.add(DecoderEvent::sctp_message_too_large);
    match->used = false;
    return nullptr;
  }
  match->data.insert(match->data.end(), data.begin(), data.end());
  match->next_tsn = tsn + 1;
  if ((flags & kEnd) == 0) return nullptr;
  match->used = false;  // the bytes stay valid until the slot is reused (not within this frame)
  return match;
}

FrameOutcome SctpDecoder::decode(Bytes packet, const Payload& base, PayloadSink& sink, DecoderEventCounts& events) {
  if (packet.size() < kCommonHeader) return FrameOutcome::truncated_sctp_header;
  Payload payload = base;
  payload.transport = Transport::sctp;
  payload.src_port = load_be16(packet.data());
  payload.dst_port = load_be16(packet.data() + 2);

  FrameOutcome outcome = FrameOutcome::sctp_control;
  bool emitted = false;
  std::size_t offset = kCommonHeader;
  // Each chunk is at least 4 bytes long, so the walk ends within packet.size() / 4 steps.
  while (offset + kChunkHeader <= packet.size()) {
    const std::uint8_t type = packet[offset];
    const std::uint8_t flags = packet[offset + 1];
    const std::size_t length = load_be16(packet.data() + offset + 2);
    if (length < kChunkHeader) return emitted ? FrameOutcome::none : FrameOutcome::bad_sctp_chunk;
    const bool cut = offset + length > packet.size();
    // Only the snap length may cut a chunk short; otherwise the length field lies.
    if (cut && !base.truncated) return emitted ? FrameOutcome::none : FrameOutcome::bad_sctp_chunk;
    if (type == kData || type == kIData) {
      const std::size_t header = type == kData ? kDataHeader : kIDataHeader;
      if (length < header) return emitted ? FrameOutcome::none : FrameOutcome::bad_sctp_chunk;
      if (offset + header <= packet.size()) {
        const std::size_t end = std::min(packet.size(), offset + length);
        const Bytes data = packet.subspan(offset + header, end - offset - header);
        if ((flags & (kBegin | kEnd)) == (kBegin | kEnd)) {
          payload.bytes = data;
          payload.truncated = cut;
          sink.on_payload(payload);
          emitted = true;
        } else if (type == kIData || cut) {
          // I-DATA pieces are ordered by FSN, not TSN; no SIP stack is known to send them.
          outcome = FrameOutcome::sctp_fragment_orphaned;
        } else {
          const std::uint32_t tsn = load_be32(packet.data() + offset + 4);
          const std::uint16_t stream = load_be16(packet.data() + offset + 8);
          FrameOutcome fragment_outcome = FrameOutcome::sctp_fragment_buffered;
          if (const Partial* whole = add_fragment(payload, stream, tsn, flags, data, events, fragment_outcome)) {
            payload.bytes = Bytes(whole->data.data(), whole->data.size());
            payload.truncated = false;
            // Only the packet that completed the message is named (docs/extract.md).
            payload.origin.incomplete = true;
            sink.on_payload(payload);
            payload.origin = base.origin;
            emitted = true;
          } else {
            outcome = fragment_outcome;
          }
        }
      }
    }
    if (cut) break;
    offset += (length + 3) & ~std::size_t{3};  // chunks are padded to 4 bytes
  }
  return emitted ? FrameOutcome::none : outcome;
}

}  // namespace sipmon
