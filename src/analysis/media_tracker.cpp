#include "analysis/media_tracker.h"

#include <algorithm>
#include <cstring>

#include "analysis/clock.h"
#include "analysis/media_endpoint_key.h"
#include "analysis/mos.h"
#include "analysis/rtp_packet.h"
#include "analysis/text.h"
#include "analysis/transaction_key.h"

namespace sipmon {
namespace {

// What the port above an RTP/RTCP pair receives (Endpoint::rtcp_above): RTCP, no payload types.
MediaEndpointPayloads rtcp_only() { return MediaEndpointPayloads{.rtp = false, .rtcp = true}; }

// Key domains of the stream tables (endpoints: kMediaEndpointKeyDomain, 1).
constexpr std::uint64_t kCallStreamDomain = 2;
constexpr std::uint64_t kFlowStreamDomain = 3;
constexpr std::uint8_t kNoPayloadType = 0xff;

CallKey call_stream_key(const CallKey& call, std::uint8_t direction, std::uint32_t ssrc) {
  return binary_key(kCallStreamDomain, call.lo, call.hi, std::uint64_t{direction} | std::uint64_t{ssrc} << 8);
}

CallKey flow_stream_key(const Payload& payload, std::uint32_t ssrc) {
  char bytes[42];
  std::memcpy(bytes, payload.src.bytes.data(), 16);
  std::memcpy(bytes + 16, payload.dst.bytes.data(), 16);
  bytes[32] = static_cast<char>(payload.src.family);
  std::memcpy(bytes + 33, &payload.src_port, 2);
  std::memcpy(bytes + 35, &payload.dst_port, 2);
  std::memcpy(bytes + 37, &ssrc, 4);
  bytes[41] = 0;
  return binary_key(kFlowStreamDomain, std::string_view(bytes, sizeof bytes));
}

bool is_unspecified(const IpAddress& address) {
  const std::size_t n = address.family == 4 ? 4 : 16;
  for (std::size_t i = 0; i < n; ++i) {
    if (address.bytes[i] != 0) return false;
  }
  return true;
}

// An RTP profile (RTP/AVP, RTP/SAVPF, UDP/TLS/RTP/SAVPF, ...; case-insensitive, as istarts_with):
// the common "RTP/" by four byte compares inline rather than two istarts_with calls (callgrind:
// ~115 instructions a body). A letter's case bit set gives 'r', 't', 'p' only from 'R'/'r' etc.
bool rtp_protocol(std::string_view protocol) {
  if (protocol.size() >= 4 && (protocol[0] | 0x20) == 'r' && (protocol[1] | 0x20) == 't' &&
      (protocol[2] | 0x20) == 'p' && protocol[3] == '/') {
    return true;
  }
  return istarts_with(protocol, "udp/tls/rtp/");
}

// Requests and responses that carry an offer or an answer (RFC 3264, RFC 3262, RFC 3311).
bool may_carry_sdp(const SipMessage& message) {
  const Method method = message_method(message);
  if (method != Method::invite && method != Method::ack && method != Method::update && method != Method::prack) {
    return false;
  }
  if (message.is_request) return true;
  return (message.status_code >= 180 && message.status_code < 190) ||
         (message.status_code >= 200 && message.status_code < 300) || message.status_code == 183;
}

bool sdp_content_type(std::string_view content_type) {
  // "application/sdp" with optional parameters; a missing Content-Type with a body starting
  // "v=0" is left to parse_sdp.
  return content_type.empty() || istarts_with(trim(content_type), "application/sdp");
}

// RFC 3261 §12.2.1.2: a 481 or 408 to a request inside a dialog ends it, as DialogTracker has it.
// Not to an INVITE: keyed by Call-ID alone, the tracker cannot tell a re-INVITE's answer from
// another fork's late answer to the initial INVITE, which ends no dialog of this call.
bool ends_dialog(const SipMessage& message) {
  const Method method = message.cseq_method_id;
  return !message.is_request && (message.status_code == 481 || message.status_code == 408) && !message.to_tag.empty() &&
         method != Method::invite && method != Method::cancel && method != Method::register_;
}

double jitter_mean_ms(const sipmon_rtp_stats& s) {
  if (s.jitter_samples == 0) return 0;
  return static_cast<double>(s.jitter_sum_q4_ns) / 16.0 / static_cast<double>(s.jitter_samples) / 1e6;
}

}  // namespace

MediaTracker::MediaTracker(const MediaConfig& config, MediaStreamObserver* observer, const PeerTable* peers)
    : config_(config),
      observer_(observer),
      peers_(peers),
      endpoints_(config.max_endpoints, AgeOrder::second_chance),
      endpoint_maps_(endpoints_.capacity()),
      streams_(config.max_streams),
      calls_(config.max_calls, AgeOrder::second_chance),
      totals_(config.max_samples) {}

MediaTracker::CallTable::Index MediaTracker::call_for(const MessageKeys& keys, std::int64_t ts_ns, bool create) {
  const CallKey& key = keys.call();
  CallTable::Index index = calls_.find(key);
  if (index != CallTable::kNone || !create) return index;
  index = calls_.insert(key, [this, ts_ns](CallTable::Index victim) {
    ++call_evictions_;
    decide_call(calls_[victim], ts_ns, totals_);
    call_timers_.remove(victim);
  });
  Call& call = calls_[index];
  // The first message seen of a call is its initial INVITE unless the capture began mid-call:
  // its From side is taken as the caller.
  call.caller_tag = keys.from_tag_hash();
  call.peer = kNoPeer;
  call.timer_list = CallTimers::kNoList;
  return index;
}

void MediaTracker::on_sip_message(const SipMessage& message, const MessageKeys& keys, std::int64_t ts_ns,
                                  RecordRef record, PeerId peer) {
  const CallEvent event{
      .initial_invite = message.is_request && message.method_id == Method::invite && message.to_tag.empty(),
      .invite_response = !message.is_request && message.cseq_method_id == Method::invite,
      .bye = message.is_request && message.method_id == Method::bye,
      .dialog_error = ends_dialog(message),
  };
  const bool carries_sdp =
      !message.body.empty() && may_carry_sdp(message) && sdp_content_type(message.header(HeaderId::content_type));
  const bool answer_2xx = event.invite_response && message.status_code >= 200 && message.status_code < 300;
  // Every response to an INVITE is looked at: a provisional one keeps an unanswered call, a final
  // failure ends it (their call-table slot is prefetched like the INVITE's).
  if (!event.initial_invite && !carries_sdp && !event.invite_response && !event.bye && !event.dialog_error) return;

  CallTable::Index index = call_for(keys, ts_ns, event.initial_invite || carries_sdp);
  if (index == CallTable::kNone) return;
  // A new INVITE (not a retransmission of one that failed) after the call ended starts afresh: a
  // Call-ID reused after a BYE, or the INVITE that answers a 401/407 or follows a 3xx.
  if (event.initial_invite && calls_[index].timer_list == kEnded && message.cseq_number != calls_[index].ended_cseq) {
    free_call(index);
    index = call_for(keys, ts_ns, true);
  }
  Call& call = calls_[index];
  calls_.touch(index);
  const bool answered_before = call.established_ns != 0;
  if (call.peer == kNoPeer) call.peer = peer;
  // The latest attempt of the Call-ID with a record (a new INVITE after a 3xx has its own).
  if (record.index != RecordRef{}.index) call.record = record;
  if (answer_2xx && call.established_ns == 0) call.established_ns = ts_ns;
  if (carries_sdp) {
    const bool from_caller = keys.from_tag_hash() == call.caller_tag;
    // A request comes from its From side; a response from the other one.
    const Side sender = (message.is_request == from_caller) ? Side::caller : Side::callee;
    learn_sdp(message, index, sender);
  }
  follow_lifetime(index, message, event, ts_ns, answered_before);
}

void MediaTracker::follow_lifetime(CallTable::Index index, const SipMessage& message, const CallEvent& event,
                                   std::int64_t ts_ns, bool answered_before) {
  Call& call = calls_[index];
  const bool invite_response = event.invite_response;
  const std::uint16_t status = message.status_code;
  // The dialog ends: a BYE (whatever its answer, as DialogTracker counts it), or a 481/408 in an
  // answered call (any other failure of a re-INVITE or UPDATE leaves the call as it was).
  if (event.bye || (answered_before && event.dialog_error)) {
    // Judged once, at its end: a call shorter than the media timeout never is (docs/media.md).
    decide_call(call, ts_ns, totals_);
    call.decided = true;
    end_call(index, ts_ns);
    return;
  }
  if (answered_before) return;                                    // an answered call ends only as above
  if (call.timer_list == kEnded && call.ended_cseq == 0) return;  // ended by a BYE: over whatever follows
  if (invite_response && status >= 200 && status < 300) {
    // Answered, possibly within the linger of a failure (another fork's, or a 487 losing the race
    // with this 2xx): the call goes on.
    call_timers_.remove(index);
    return;
  }
  if (call.timer_list == kEnded) return;  // a retransmission, an ACK or a late 1xx of a failed INVITE
  if (invite_response && status >= 300) {
    // The INVITE failed (487 after a CANCEL included): the attempt is over. The CANCEL itself
    // decides nothing, as in the call tracker: a 2xx may still win the race.
    end_call(index, ts_ns, message.cseq_number);
    return;
  }
  // Timer C starts with the INVITE and each 101-199 restarts it (RFC 3261 §16.6, §16.7); a 100 does not.
  if (event.initial_invite || (invite_response && status > 100 && status < 200)) {
    call.deadline_ns = deadline_after(ts_ns, config_.unanswered_timeout_ns);
    call_timers_.push_back(kUnanswered, index);
  }
}

void MediaTracker::end_call(CallTable::Index index, std::int64_t ts_ns, std::uint32_t failed_cseq) {
  Call& call = calls_[index];
  if (call.timer_list == kEnded) return;  // a retransmitted BYE or failure: the first end counts
  call.ended_cseq = failed_cseq;
  call.deadline_ns = deadline_after(ts_ns, config_.ended_linger_ns);
  call_timers_.push_back(kEnded, index);
}

void MediaTracker::free_call(CallTable::Index index) {
  call_timers_.remove(index);
  // prefetch_next_free has loaded everything when the call was at the head of the ended list for
  // three packets (the usual case); otherwise the loads start now.
  if (index != next_free_ || next_free_steps_ < 3) prefetch_endpoints(index);
  next_free_ = CallTable::kNone;
  forget_side(index, Side::caller);
  forget_side(index, Side::callee);
  const Call& call = calls_[index];
  const CallKey& key = calls_.key(index);
  for (std::size_t i = 0; i < call.stream_count; ++i) {
    const StreamTable::Index s = call.streams[i];
    if (streams_.live(s) && streams_[s].call == key) finish_stream(s);
  }
  calls_.erase(index);
}

void MediaTracker::prefetch_endpoints(CallTable::Index index) const {
  // A call's endpoints were last touched when it was set up, tens of seconds and tens of MiB of
  // tables ago: each is two cache misses (its entry, then the index slot its key names, which
  // erase() probes). All the entries first, then all the slots, so that the misses overlap.
  const Call& call = calls_[index];
  for_each_endpoint_slot(call, [this](std::uint32_t entry) { __builtin_prefetch(&endpoints_[entry]); });
  calls_.prefetch(calls_.key(index));  // its own slot, which erase() probes for
  for_each_endpoint_slot(call, [this](std::uint32_t entry) {
    if (endpoints_.live(entry)) endpoints_.prefetch(endpoints_.key(entry));
  });
}

void MediaTracker::prefetch_next_free() {
  // Freeing a call misses the caches all along: its entry, last touched by its BYE 5 s ago, then
  // its endpoints' entries, last touched at its set-up, then their index slots and age-list
  // neighbours, each needing the one before. Started in free_call these are rounds of misses
  // waited for in turn (they were ~8 % of a replay's time, docs/performance.md); started here one
  // round per packet from the moment the call heads the list, they have landed by its deadline
  // (5-8 packets later at the load capture's rate, 3 needed). Hints only: nothing changes.
  const CallTable::Index index = call_timers_.front(kEnded);
  if (index == CallTable::kNone) return;
  if (index != next_free_) {
    next_free_ = index;
    next_free_steps_ = 0;
  }
  const Call& call = calls_[index];
  switch (next_free_steps_) {
    case 0: {
      const auto* bytes = reinterpret_cast<const char*>(&call);
      for (std::size_t offset = 0; offset < sizeof(Call); offset += 64) __builtin_prefetch(bytes + offset);
      // The next call to free: advance() reads its deadline as soon as this one is freed.
      if (call.timer_next != CallTable::kNone) __builtin_prefetch(&calls_[call.timer_next]);
      break;
    }
    case 1:
      for_each_endpoint_slot(call, [this](std::uint32_t entry) { __builtin_prefetch(&endpoints_[entry]); });
      for (std::size_t i = 0; i < call.stream_count; ++i) {
        __builtin_prefetch(&streams_[call.streams[i]]);
        __builtin_prefetch(&streams_[call.streams[i]].call);
      }
      calls_.prefetch_erase(index);  // its entry came in step 0
      break;
    case 2:
      // Their entries came in step 1: erase()'s index slots and age-list neighbours now.
      for_each_endpoint_slot(call, [this](std::uint32_t entry) {
        if (endpoints_.live(entry)) endpoints_.prefetch_erase(entry);
      });
      break;
    default:
      return;
  }
  ++next_free_steps_;
}

void MediaTracker::learn_sdp(const SipMessage& message, CallTable::Index index, Side sender) {
  parse_sdp(message.body, sdp_);
  if (sdp_.status == SdpStatus::not_sdp) {
    ++anomalies_.sdp_unparsable;
    return;
  }
  if (sdp_.status == SdpStatus::bad_connection) ++anomalies_.sdp_unresolved_address;
  if (sdp_.media_truncated) ++anomalies_.sdp_truncated;
  seen_sdp_ = true;
  // A new offer or answer from this side replaces what it announced before (re-INVITE, UPDATE).
  forget_side(index, sender);
  Call& call = calls_[index];
  const CallKey key = calls_.key(index);
  for (std::size_t i = 0; i < sdp_.media_count; ++i) {
    const SdpMedia& media = sdp_.media[i];
    if (media.formats_truncated) ++anomalies_.sdp_truncated;
    if (media.port == 0 || !media.has_address || is_unspecified(media.address)) continue;  // rejected or on hold
    if (!rtp_protocol(media.protocol)) continue;
    const std::uint16_t rtcp_port = media.rtcp_destination_port();
    const IpAddress& rtcp_address = media.has_rtcp_address ? media.rtcp_address : media.address;
    const bool same_address = rtcp_address == media.address;
    const bool muxed = rtcp_port == media.port && same_address;
    const bool folded = pairs(media.port, rtcp_port, same_address);
    const PayloadMaps payloads = payload_maps(media);
    const EndpointTable::Index rtp_entry =
        add_endpoint(key, sender, media.address, media.port, true, muxed, folded, payloads);
    const EndpointTable::Index rtcp_entry =
        muxed || folded ? rtp_entry : add_endpoint(key, sender, rtcp_address, rtcp_port, false, true, false, payloads);
    auto& side = call.media[sender];
    std::uint8_t& count = call.media_count[sender];
    if (count < kMaxMediaPerSide) {
      side[count++] = EndpointAddress{.rtp_entry = rtp_entry,
                                      .rtcp_entry = rtcp_entry,
                                      .address = media.address,
                                      .rtp_port = media.port,
                                      .rtcp_port = rtcp_port,
                                      .rtcp_elsewhere = !(rtcp_address == media.address)};
    }
  }
}

void MediaTracker::forget_side(CallTable::Index index, Side side) {
  Call& call = calls_[index];
  const CallKey key = calls_.key(index);
  const auto forget = [&](std::uint32_t entry, const IpAddress& address, std::uint16_t port) {
    const EndpointTable::Index e = endpoint_at(entry, address, port);
    // Only if it is still this call's: another call may have taken the address since.
    if (e != EndpointTable::kNone && endpoints_[e].call == key) erase_endpoint(e);
  };
  for (std::size_t i = 0; i < call.media_count[side]; ++i) {
    const EndpointAddress& old = call.media[side][i];
    const EndpointTable::Index rtp = endpoint_at(old.rtp_entry, old.address, old.rtp_port);
    const bool rtp_ours = rtp != EndpointTable::kNone && endpoints_[rtp].call == key;
    const bool pair_holds_rtcp = rtp != EndpointTable::kNone && endpoints_[rtp].rtcp_above;
    if (rtp_ours) erase_endpoint(rtp);  // with the RTCP port above it, if it still holds it
    if (old.rtcp_elsewhere) {
      // Its slot still holds it if it holds this port for this call's side: the entry was not
      // evicted, and no other call took the address since (a later SDP of this side would have
      // forgotten this list first).
      const EndpointTable::Index e = old.rtcp_entry;
      if (endpoints_.live(e) && endpoints_[e].port == old.rtcp_port && endpoints_[e].call == key &&
          endpoints_[e].owner == side) {
        erase_endpoint(e);
      }
    } else if (old.rtcp_folded()) {
      // Gone with the pair that holds it (this one, or a later claim's on both ports). Else a later
      // claim took it, or one on the RTP port alone left it an entry of its own (add_endpoint),
      // which only an odd-port entry can be.
      if (!pair_holds_rtcp && odd_port_entries_ != 0) forget(old.rtcp_entry, old.address, old.rtcp_port);
    } else if (old.rtcp_port != old.rtp_port) {
      // Muxed (RTCP on the RTP port): the same endpoint, just forgotten or left to another call.
      forget(old.rtcp_entry, old.address, old.rtcp_port);
    }
  }
  call.media_count[side] = 0;
}

void MediaTracker::erase_endpoint(EndpointTable::Index index) {
  leaving(endpoints_[index]);
  endpoints_.erase(index);
}

void MediaTracker::leaving(const Endpoint& endpoint) {
  if (endpoint.port % 2 == 1) --odd_port_entries_;
  MediaEndpointObserver* observer = config_.endpoint_observer;
  if (observer == nullptr) return;
  observer->media_endpoint_removed(endpoint.address, endpoint.port);
  if (endpoint.rtcp_above)
    observer->media_endpoint_removed(endpoint.address, static_cast<std::uint16_t>(endpoint.port + 1));
}

MediaTracker::EndpointTable::Index MediaTracker::endpoint_at(std::uint32_t entry, const IpAddress& address,
                                                             std::uint16_t port) const {
  // An entry's address and port are set when it is created and name its key: a live entry holding
  // them is the one the key finds.
  if (endpoints_.live(entry) && endpoints_[entry].port == port && endpoints_[entry].address == address) return entry;
  return endpoints_.find(media_endpoint_key(address, port));
}

MediaTracker::PayloadMaps MediaTracker::payload_maps(const SdpMedia& media) {
  PayloadMaps payloads;
  for (std::size_t i = 0; i < media.rtpmap_count && payloads.count < kMaxPayloadMaps; ++i) {
    const SdpRtpMap& map = media.rtpmaps[i];
    const CodecInfo info = codec_from_rtpmap(map.encoding, map.clock_rate);
    payloads.maps[payloads.count++] = PayloadMap{map.payload_type, info.codec, info.clock_rate};
  }
  return payloads;
}

MediaTracker::EndpointTable::Index MediaTracker::add_endpoint(const CallKey& call, Side owner, const IpAddress& address,
                                                              std::uint16_t port, bool rtp, bool rtcp, bool rtcp_above,
                                                              const PayloadMaps& announced) {
  // The latest claim on a port wins, wherever the earlier one is held.
  if (port % 2 == 1) take_from_pair_below(address, port);
  if (rtcp_above && odd_port_entries_ != 0) take_from_entry_above(address, port);
  const auto evicted = [this](EndpointTable::Index victim) {
    ++endpoint_evictions_;
    leaving(endpoints_[victim]);
  };
  const CallKey key = media_endpoint_key(address, port);
  bool created = false;
  EndpointTable::Index index = endpoints_.find(key);
  if (index == EndpointTable::kNone) {
    index = endpoints_.insert(key, evicted);
    if (port % 2 == 1) ++odd_port_entries_;
    endpoints_[index].address = address;
    endpoints_[index].port = port;
    endpoints_[index].map_count = 0;
    endpoints_[index].rtp = false;
    endpoints_[index].rtcp = false;
    endpoints_[index].rtcp_above = false;
    created = true;
  } else {
    endpoints_.touch(index);
  }
  const MediaEndpointPayloads before = config_.endpoint_observer ? endpoint_payloads(index) : MediaEndpointPayloads{};
  Endpoint& endpoint = endpoints_[index];
  const Endpoint earlier = endpoint;
  endpoint.call = call;
  endpoint.owner = owner;
  endpoint.rtp = rtp;
  endpoint.rtcp = rtcp;
  endpoint.rtcp_above = rtcp_above;
  // Payload types name RTP payloads only (RFC 3550 §5.1; RTCP packets carry none): an endpoint
  // that receives only RTCP keeps no maps.
  endpoint.map_count = rtp ? announced.count : 0;
  if (rtp) endpoint_maps_[index].maps = announced.maps;
  // Told after the endpoint is filled in: a capture that measures RTP needs its clock rates.
  if (MediaEndpointObserver* observer = config_.endpoint_observer) {
    const MediaEndpointPayloads payloads = endpoint_payloads(index);
    if (created || !(payloads == before)) observer->media_endpoint_added(address, port, payloads);
    if (rtcp_above && !earlier.rtcp_above)
      observer->media_endpoint_added(address, static_cast<std::uint16_t>(port + 1), rtcp_only());
  }
  if (earlier.rtcp_above && !rtcp_above) {
    // A claim on the RTP port alone: the RTCP port above stays the earlier pair's, in an entry of
    // its own, as if the pair had been two entries all along. Last: the insert may evict.
    const EndpointTable::Index above =
        endpoints_.insert(media_endpoint_key(address, static_cast<std::uint16_t>(port + 1)), evicted);
    ++odd_port_entries_;
    endpoints_[above] = Endpoint{.call = earlier.call,
                                 .address = address,
                                 .port = static_cast<std::uint16_t>(port + 1),
                                 .map_count = 0,
                                 .owner = earlier.owner,
                                 .rtp = false,
                                 .rtcp = true,
                                 .rtcp_above = false};
  }
  return index;
}

void MediaTracker::take_from_pair_below(const IpAddress& address, std::uint16_t port) {
  // The port stays watched: its new claim tells the observer its payloads.
  if (const EndpointTable::Index below = pair_below(address, port); below != EndpointTable::kNone) {
    endpoints_[below].rtcp_above = false;
  }
}

void MediaTracker::take_from_entry_above(const IpAddress& address, std::uint16_t port) {
  const EndpointTable::Index above = endpoints_.find(media_endpoint_key(address, static_cast<std::uint16_t>(port + 1)));
  if (above != EndpointTable::kNone) erase_endpoint(above);
}

MediaTracker::EndpointTable::Index MediaTracker::pair_below(const IpAddress& address, std::uint16_t port) const {
  const EndpointTable::Index below = endpoints_.find(media_endpoint_key(address, static_cast<std::uint16_t>(port - 1)));
  return below != EndpointTable::kNone && endpoints_[below].rtcp_above ? below : EndpointTable::kNone;
}

MediaEndpointPayloads MediaTracker::endpoint_payloads(EndpointTable::Index index) const {
  static_assert(kMaxPayloadMaps == MediaEndpointPayloads::kMaxMaps);
  const Endpoint& endpoint = endpoints_[index];
  const auto& maps = endpoint_maps_[index].maps;
  MediaEndpointPayloads payloads;
  payloads.rtp = endpoint.rtp;
  payloads.rtcp = endpoint.rtcp;
  payloads.count = endpoint.map_count;
  for (std::size_t i = 0; i < endpoint.map_count; ++i) {
    payloads.payload_types[i] = maps[i].payload_type;
    // As on_rtp: RFC 4733 events do not move the jitter.
    payloads.clock_rates[i] = maps[i].codec == Codec::telephone_event ? 0 : maps[i].clock_rate;
  }
  return payloads;
}

bool MediaTracker::on_measured_stream(const MeasuredRtpStream& measured) {
  const EndpointTable::Index e = endpoints_.find(media_endpoint_key(measured.dst, measured.dst_port));
  if (e == EndpointTable::kNone) return false;
  const Endpoint& endpoint = endpoints_[e];
  const auto direction = endpoint.owner == Side::caller ? Direction::callee_to_caller : Direction::caller_to_callee;
  const StreamTable::Index index = streams_.find(call_stream_key(endpoint.call, direction, measured.ssrc));
  if (index == StreamTable::kNone) return false;
  Stream& stream = streams_[index];
  // A kernel entry that started again (evicted from the full map, or deleted) counts from a later
  // packet than the tracker's stream: keep the larger account.
  if (measured.stats.packets < stream.stats.packets) {
    ++measured_behind_;
    return true;
  }
  const std::uint64_t added = measured.stats.packets - stream.stats.packets;
  stream.stats = measured.stats;
  streams_.touch(index);
  if (const CallTable::Index c = calls_.find(endpoint.call); c != CallTable::kNone) {
    calls_[c].packets[direction] += added;
  }
  return true;
}

bool MediaTracker::on_udp(const Payload& payload) {
  const Bytes bytes = payload.bytes;
  // Version 2 in the top bits: SIP (ASCII text, below 0x80) never gets past this test.
  if (bytes.size() < 8 || (bytes[0] >> 6) != 2) return false;
  if (!active()) return false;
  EndpointTable::Index index = endpoints_.find(media_endpoint_key(payload.dst, payload.dst_port));
  // RTCP to the odd port of an RTP/RTCP pair: held by the entry below (the rare second lookup).
  bool above = false;
  if (index == EndpointTable::kNone && payload.dst_port % 2 == 1) {
    index = pair_below(payload.dst, payload.dst_port);
    above = index != EndpointTable::kNone;
  }
  if (index == EndpointTable::kNone) {
    if (!config_.rtp_heuristic || looks_like_rtcp(bytes)) return false;
    const std::optional<RtpHeader> rtp = parse_rtp(bytes);
    // Plausible RTP: a static audio type or a dynamic one, and a payload.
    if (!rtp || rtp->payload.empty() || (rtp->payload_type > 34 && rtp->payload_type < 96)) return false;
    on_rtp(payload, EndpointTable::kNone);
    return true;
  }
  const Endpoint& endpoint = endpoints_[index];
  // At the port above a pair, only its RTCP arrives.
  if ((above || endpoint.rtcp) && looks_like_rtcp(bytes)) {
    on_rtcp(payload, endpoint);
    return true;
  }
  if (!above && endpoint.rtp) {
    on_rtp(payload, index);
    return true;
  }
  ++anomalies_.rtcp_malformed;
  return true;
}

MediaTracker::StreamTable::Index MediaTracker::find_or_create_stream(const CallKey& key, bool& created) {
  StreamTable::Index index = streams_.find(key);
  created = index == StreamTable::kNone;
  if (!created) {
    streams_.touch(index);
    return index;
  }
  return streams_.insert(key, [this](StreamTable::Index victim) {
    ++stream_evictions_;
    retire(streams_[victim]);
  });
}

MediaTracker::CallTable::Index MediaTracker::call_of(Stream& stream) {
  if (calls_.live(stream.call_slot) && calls_.key(stream.call_slot) == stream.call) return stream.call_slot;
  stream.call_slot = calls_.find(stream.call);
  return stream.call_slot;
}

void MediaTracker::on_rtp(const Payload& payload, EndpointTable::Index endpoint_index) {
  const Endpoint* endpoint = endpoint_index != EndpointTable::kNone ? &endpoints_[endpoint_index] : nullptr;
  const std::optional<RtpHeader> rtp = parse_rtp(payload.bytes);
  if (!rtp) {
    ++anomalies_.rtp_malformed;
    return;
  }
  const auto direction =
      endpoint && endpoint->owner == Side::caller ? Direction::callee_to_caller : Direction::caller_to_callee;
  const CallKey key =
      endpoint ? call_stream_key(endpoint->call, direction, rtp->ssrc) : flow_stream_key(payload, rtp->ssrc);
  bool created = false;
  const StreamTable::Index index = find_or_create_stream(key, created);
  Stream& stream = streams_[index];
  const auto arrival = static_cast<__u64>(payload.ts_ns);

  // Payload type -> codec and clock rate: the endpoint's rtpmap first, then RFC 3551.
  CodecInfo info = static_payload_type(rtp->payload_type);
  if (endpoint) {
    const auto& maps = endpoint_maps_[endpoint_index].maps;
    for (std::size_t i = 0; i < endpoint->map_count; ++i) {
      if (maps[i].payload_type == rtp->payload_type) {
        info = CodecInfo{maps[i].codec, maps[i].clock_rate};
        break;
      }
    }
  }
  const bool event = info.codec == Codec::telephone_event;
  // A stream found by its key belongs to the endpoint's call: that call is part of the key.
  const CallTable::Index c = !endpoint ? CallTable::kNone : created ? calls_.find(endpoint->call) : call_of(stream);
  if (created) {
    stream.call = endpoint ? endpoint->call : CallKey{};
    stream.call_slot = c;
    stream.record = c != CallTable::kNone ? calls_[c].record : RecordRef{};
    stream.src = CallEndpoint{payload.src, payload.src_port};
    stream.dst = CallEndpoint{payload.dst, payload.dst_port};
    stream.ssrc = rtp->ssrc;
    stream.direction = direction;
    stream.attributed = endpoint != nullptr;
    // A stream counts for its call's peer (the trunk that signalled it), whatever address the
    // media came from; a heuristic stream has no call and takes its own addresses' peer.
    stream.peer = kNoPeer;
    if (c != CallTable::kNone) {
      Call& call = calls_[c];
      stream.peer = call.peer;
      if (call.stream_count < kStreamsPerCall) call.streams[call.stream_count++] = index;
    } else if (peers_ != nullptr && endpoint == nullptr) {
      stream.peer = static_cast<PeerId>(peers_->peer_of(payload.src, payload.dst));
    }
    stream.payload_type = kNoPayloadType;
    stream.event_payload_type = kNoPayloadType;
    stream.rtt_ns = -1;
    sipmon_rtp_stats_start(&stream.stats, rtp->sequence, arrival);
    if (observer_ && stream.record.index != RecordRef{}.index) observer_->media_stream_started(stream.record);
  } else {
    sipmon_rtp_stats_update(&stream.stats, rtp->sequence, arrival);
  }
  // RFC 4733 §2.5.1.3: every packet of one event carries the event's start timestamp.
  if (event) {
    stream.event_payload_type = rtp->payload_type;
    if (!stream.have_event || stream.last_event_ts != rtp->timestamp) ++stream.events;
    stream.have_event = true;
    stream.last_event_ts = rtp->timestamp;
  } else if (stream.payload_type == kNoPayloadType && info.codec != Codec::comfort_noise) {
    stream.payload_type = rtp->payload_type;
    stream.codec = info.codec;
    stream.known_clock = info.clock_rate != 0;
    stream.clock_rate = info.clock_rate;
  }
  sipmon_rtp_jitter_update(&stream.stats, rtp->timestamp, event ? 0 : info.clock_rate, rtp->marker ? 1 : 0, arrival);

  if (c != CallTable::kNone) {
    Call& call = calls_[c];
    ++call.packets[direction];
    if (!call.start_delay_recorded && call.established_ns != 0 && payload.ts_ns >= call.established_ns) {
      call.start_delay_recorded = true;
      totals_.start_delay_ms.add(static_cast<double>(payload.ts_ns - call.established_ns) / 1e6);
    }
  }
}

void MediaTracker::on_rtcp(const Payload& payload, const Endpoint& endpoint) {
  RtcpPacket rtcp;
  if (!parse_rtcp(payload.bytes, rtcp)) {
    ++anomalies_.rtcp_malformed;
    return;
  }
  ++rtcp_packets_;
  // RTCP to the side that owns the endpoint comes from the other side: its SR describes the
  // stream it sends (towards the owner), its report blocks the streams it receives.
  const auto towards_owner = endpoint.owner == Side::caller ? Direction::callee_to_caller : Direction::caller_to_callee;
  const auto from_owner =
      towards_owner == Direction::caller_to_callee ? Direction::callee_to_caller : Direction::caller_to_callee;
  if (rtcp.has_sender_report) {
    const StreamTable::Index s = streams_.find(call_stream_key(endpoint.call, towards_owner, rtcp.sender_ssrc));
    if (s != StreamTable::kNone) {
      streams_[s].last_sr_ntp_middle = rtcp.sr_ntp_middle;
      streams_[s].last_sr_ns = payload.ts_ns;
    }
  }
  for (std::size_t i = 0; i < rtcp.block_count; ++i) {
    const RtcpReportBlock& block = rtcp.blocks[i];
    const StreamTable::Index s = streams_.find(call_stream_key(endpoint.call, from_owner, block.source_ssrc));
    if (s == StreamTable::kNone) continue;
    Stream& stream = streams_[s];
    stream.has_far_report = true;
    stream.far_fraction_lost = block.fraction_lost;
    stream.far_cumulative_lost = block.cumulative_lost;
    stream.far_jitter_units = block.jitter;
    // RFC 3550 §6.4.1: RTT = A - LSR - DLSR. A passive monitor has no clock of the reporter's,
    // so A - LSR is measured as the time between the SR and the report block echoing it, both
    // seen here: the round trip beyond the monitor (docs/media.md).
    if (block.last_sr != 0 && block.last_sr == stream.last_sr_ntp_middle && stream.last_sr_ns != 0) {
      const std::int64_t dlsr_ns = static_cast<std::int64_t>(block.delay_since_last_sr) * 1'000'000'000 / 65536;
      const std::int64_t rtt = payload.ts_ns - stream.last_sr_ns - dlsr_ns;
      if (rtt >= 0) stream.rtt_ns = rtt;
    }
  }
  if (rtcp.voip) {
    const StreamTable::Index s = streams_.find(call_stream_key(endpoint.call, from_owner, rtcp.voip->source_ssrc));
    if (s != StreamTable::kNone) {
      streams_[s].has_xr = true;
      streams_[s].xr_mos_cq = rtcp.voip->mos_cq;
      if (streams_[s].rtt_ns < 0 && rtcp.voip->round_trip_ms != 0) {
        streams_[s].rtt_ns = static_cast<std::int64_t>(rtcp.voip->round_trip_ms) * 1'000'000;
      }
    }
  }
}

bool MediaTracker::counted(const Stream& stream) {
  const sipmon_rtp_stats& s = stream.stats;
  // The heuristic keeps only what progressed like RTP: two packets at least, most in sequence.
  return stream.attributed || (s.packets >= 2 && sipmon_rtp_expected(&s) <= 2 * s.packets);
}

double MediaTracker::stream_mos(const Stream& stream) {
  // Scored: audio whose payload type the SDP or RFC 3551 explains (a dynamic type nobody
  // announced may be anything: an event stream, video).
  const bool audio = stream.codec != Codec::video && stream.payload_type != kNoPayloadType && stream.known_clock;
  if (!audio) return -1;
  const sipmon_rtp_stats& s = stream.stats;
  const std::uint64_t expected = sipmon_rtp_expected(&s);
  const std::int64_t lost = sipmon_rtp_lost(&s);
  const double loss_pct =
      expected == 0 ? 0 : std::max(0.0, 100.0 * static_cast<double>(lost) / static_cast<double>(expected));
  const EModelInput input{
      .codec = stream.codec,
      .loss_pct = loss_pct,
      .burst_ratio =
          burst_ratio(static_cast<double>(s.packets - s.duplicates),
                      static_cast<double>(std::max<std::int64_t>(lost, 0)), static_cast<double>(s.loss_bursts)),
      .one_way_delay_ms = stream.rtt_ns > 0 ? static_cast<double>(stream.rtt_ns) / 2e6 : 0,
  };
  return emodel_mos(input);
}

void MediaTracker::account(const Stream& stream, Totals& totals, bool finished) {
  const sipmon_rtp_stats& s = stream.stats;
  if (!counted(stream)) return;
  ++totals.streams;
  if (!stream.attributed) ++totals.heuristic_streams;
  totals.packets += s.packets;
  const std::uint64_t expected = sipmon_rtp_expected(&s);
  const std::int64_t lost = sipmon_rtp_lost(&s);
  totals.expected += expected;
  totals.lost += lost;
  totals.duplicates += s.duplicates;
  totals.late += s.late;
  totals.events += stream.events;
  if (s.jitter_samples != 0) {
    const double jitter = jitter_mean_ms(s);
    totals.jitter_ms.add(jitter);
    if (finished) totals.jitter_buckets.observe(jitter / 1000);
  }
  const double mos = stream_mos(stream);
  if (mos >= 0) {
    totals.mos.add(mos);
    if (finished) totals.mos_buckets.observe(mos);
  }
  if (stream.peer < totals.peers.size()) {
    MediaReport::Peer& peer = totals.peers[stream.peer];
    ++peer.streams;
    peer.packets += s.packets;
    peer.expected += expected;
    peer.lost += lost;
    if (finished && s.jitter_samples != 0) peer.jitter_seconds_buckets.observe(jitter_mean_ms(s) / 1000);
    if (finished && mos >= 0) peer.mos_buckets.observe(mos);
  }
}

void MediaTracker::retire(const Stream& stream) {
  account(stream, totals_, true);
  if (observer_ == nullptr || stream.record.index == RecordRef{}.index || !counted(stream)) return;
  const sipmon_rtp_stats& s = stream.stats;
  CallMediaStream figures;
  figures.src = stream.src;
  figures.dst = stream.dst;
  figures.first_ns = static_cast<std::int64_t>(s.first_ns);
  figures.last_ns = static_cast<std::int64_t>(s.last_ns);
  figures.packets = s.packets;
  figures.expected = sipmon_rtp_expected(&s);
  figures.lost = sipmon_rtp_lost(&s);
  figures.duplicates = s.duplicates;
  figures.late = s.late;
  figures.loss_bursts = s.loss_bursts;
  figures.burst_lost = s.burst_lost;
  figures.events = stream.events;
  figures.jitter_mean_ms = jitter_mean_ms(s);
  figures.jitter_max_ms = static_cast<double>(s.jitter_max_q4_ns) / 16.0 / 1e6;
  figures.mos = stream_mos(stream);
  figures.rtt_ns = stream.rtt_ns;
  figures.has_far_report = stream.has_far_report;
  figures.far_fraction_lost = stream.far_fraction_lost;
  figures.far_cumulative_lost = stream.far_cumulative_lost;
  if (stream.has_far_report && stream.clock_rate != 0) {
    figures.far_jitter_ms = 1000.0 * static_cast<double>(stream.far_jitter_units) / stream.clock_rate;
  }
  figures.has_xr = stream.has_xr;
  figures.xr_mos_cq = stream.xr_mos_cq;
  figures.ssrc = stream.ssrc;
  figures.largest_gap = s.largest_gap;
  figures.payload_type = stream.payload_type;
  figures.codec = stream.codec;
  figures.direction = stream.direction == Direction::caller_to_callee ? MediaDirection::caller_to_callee
                                                                      : MediaDirection::callee_to_caller;
  observer_->media_stream_finished(stream.record, figures);
}

void MediaTracker::finish_stream(StreamTable::Index index) {
  retire(streams_[index]);
  streams_.erase(index);
}

void MediaTracker::decide_call(Call& call, std::int64_t now_ns, Totals& totals) const {
  if (call.decided || call.established_ns == 0 ||
      deadline_after(call.established_ns, config_.media_timeout_ns) > now_ns) {
    return;
  }
  call.decided = true;
  const bool forward = call.packets[Direction::caller_to_callee] != 0;
  const bool backward = call.packets[Direction::callee_to_caller] != 0;
  MediaReport::Peer* peer = call.peer < totals.peers.size() ? &totals.peers[call.peer] : nullptr;
  if (!forward && !backward) {
    ++totals.no_media;
    if (peer != nullptr) ++peer->no_media_calls;
  } else if (!forward || !backward) {
    ++totals.one_way;
    if (peer != nullptr) ++peer->one_way_calls;
  }
}

void MediaTracker::advance(std::int64_t now_ns) {
  for (const CallTimer list : {kEnded, kUnanswered}) {
    for (CallTable::Index i = call_timers_.front(list); i != CallTable::kNone && calls_[i].deadline_ns <= now_ns;
         i = call_timers_.front(list)) {
      free_call(i);
    }
  }
  prefetch_next_free();
  while (streams_.size() != 0) {
    const StreamTable::Index oldest = streams_.oldest();
    if (deadline_after(static_cast<std::int64_t>(streams_[oldest].stats.last_ns), config_.stream_idle_ns) > now_ns)
      break;
    finish_stream(oldest);
  }
}

void MediaTracker::finish() {
  while (streams_.size() != 0) finish_stream(streams_.oldest());
}

void MediaTracker::fill(Report& report, std::int64_t now_ns) const {
  if (!active()) return;
  report.table_evictions.add(EvictingTable::media_endpoints, endpoint_evictions_);
  report.table_evictions.add(EvictingTable::media_streams, stream_evictions_);
  report.table_evictions.add(EvictingTable::media_calls, call_evictions_);
  Totals totals = totals_;
  for (StreamTable::Index i = streams_.oldest(); i != StreamTable::kNone; i = streams_.younger(i)) {
    account(streams_[i], totals, false);
  }
  for (CallTable::Index i = calls_.first_entry(); i != CallTable::kNone; i = calls_.next_entry(i)) {
    Call call = calls_[i];  // judged on a copy: a report changes nothing
    decide_call(call, now_ns, totals);
  }
  MediaReport media;
  media.streams = totals.streams;
  media.heuristic_streams = totals.heuristic_streams;
  media.packets = totals.packets;
  media.expected = totals.expected;
  media.lost = totals.lost;
  media.duplicates = totals.duplicates;
  media.late = totals.late;
  media.rtcp_packets = rtcp_packets_;
  media.dtmf_events = totals.events;
  media.one_way_calls = totals.one_way;
  media.no_media_calls = totals.no_media;
  media.jitter_ms = totals.jitter_ms.summary();
  media.mos = totals.mos.summary();
  media.start_delay_ms = totals.start_delay_ms.summary();
  media.jitter_seconds_buckets = totals.jitter_buckets;
  media.mos_buckets = totals.mos_buckets;
  if (peers_ != nullptr) {
    for (std::size_t i = 0; i <= peers_->other_index() && i < totals.peers.size(); ++i) {
      media.peers[std::string(peers_->name(i))] = totals.peers[i];
    }
  }
  report.media = media;
}

}  // namespace sipmon
