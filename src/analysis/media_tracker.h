#pragma once
// Media of the calls: the SDP offer/answer of each call says where each side receives RTP and
// RTCP (media endpoints); RTP and RTCP to those endpoints are measured per stream (direction and
// SSRC) with the RFC 3550 statistics of rtp_stats.h, scored by the E-model (mos.h), and summed
// into the report's `media`. Three bounded tables, allocated once: endpoints (address and port ->
// call and side), streams, and calls (who is the caller, when the call was answered, whether each
// direction carried RTP). docs/media.md has every figure and rule.
#include <array>
#include <cstddef>
#include <cstdint>

#include "analysis/bounded_table.h"
#include "analysis/call_media.h"
#include "analysis/media_codec.h"
#include "analysis/media_endpoint_observer.h"
#include "analysis/message_keys.h"
#include "analysis/payload.h"
#include "analysis/peer_table.h"
#include "analysis/peer_tallies.h"
#include "analysis/report.h"
#include "analysis/rtp_stats.h"
#include "analysis/sample_stats.h"
#include "analysis/sdp_parser.h"
#include "analysis/sip_message.h"
#include "analysis/timer_lists.h"
#include "analysis/zeroed_array.h"

namespace sipmon {

struct MediaConfig {
  // Defaults: what 5 000 calls/s of bench/load_capture.cpp's mix (ringing 1-15 s, talk 30-60 s,
  // ~170 000 calls talking at once) holds at its peak, with RTP both ways, entries freed 5 s after
  // each call's end: 750 000 endpoint ports in 376 000 entries (an RTP port holds its RTCP port),
  // 230 000 calls, ~380 000 streams (docs/media.md, "Bounds"). 332 MiB reserved with every table
  // full; pages are touched only as entries are used.
  std::size_t max_endpoints = 1u << 19;
  // Optional (live): told of every endpoint added to and removed from the endpoint table, so
  // that the capture can pass their packets (the kernel filter's media map). Must outlive the
  // tracker.
  MediaEndpointObserver* endpoint_observer = nullptr;
  std::size_t max_streams = 1u << 19;
  std::size_t max_calls = 1u << 18;
  // --rtp-heuristic: measure RTP to endpoints no captured SDP announced.
  bool rtp_heuristic = false;
  // --media-timeout: an answered call with a direction silent this long is one-way.
  std::int64_t media_timeout_ns = 10'000'000'000;
  // A stream with no packet for this long is finished: its figures move into the totals.
  std::int64_t stream_idle_ns = 30'000'000'000;
  // A call that ended (BYE, a final failure, 481/408 to an in-dialog request) keeps its entry and endpoints
  // this long, then they are freed: RFC 3261's T4, "the maximum duration a message will remain in
  // the network" (Timers I and K keep a transaction as long to absorb what is still in flight), so
  // late RTP/RTCP and a 2xx racing a CANCEL or another fork's failure still find the call
  // (docs/media.md, "Lifetime").
  std::int64_t ended_linger_ns = 5'000'000'000;
  // An INVITE not answered is given up this long after it or its latest 101-199 response, and the
  // call freed: Timer C (CallTrackerConfig::timer_c_ns), by which the engine has decided the attempt.
  std::int64_t unanswered_timeout_ns = 181'000'000'000;
  std::size_t max_samples = 1u << 16;  // values kept per statistic for percentiles
};

// Why a media packet or SDP body was not used; counted, never fatal.
struct MediaAnomalies {
  std::uint64_t sdp_unparsable = 0;          // a body with an SDP content type that is not SDP
  std::uint64_t sdp_truncated = 0;           // more media sections or formats than kept
  std::uint64_t sdp_unresolved_address = 0;  // c= with a host name (never resolved)
  std::uint64_t rtp_malformed = 0;           // to a media endpoint, but neither RTP nor RTCP
  std::uint64_t rtcp_malformed = 0;
};

// A stream measured by the capture itself (the kernel filter's stream map, issue 22): the endpoint
// it was sent to, its SSRC and its statistics (arrival times in the frames' clock).
struct MeasuredRtpStream {
  IpAddress dst;
  std::uint16_t dst_port = 0;
  std::uint32_t ssrc = 0;
  sipmon_rtp_stats stats{};
};

class MediaTracker {
 public:
  // `observer` (optional, --calls) is told of every stream of a call with a record; it must
  // outlive the tracker.
  // `peers` (optional, --peers) splits the figures by peer as well (docs/media.md, "Per peer").
  explicit MediaTracker(const MediaConfig& config = {}, MediaStreamObserver* observer = nullptr,
                        const PeerTable* peers = nullptr);

  // A SIP message without defects in its mandatory headers; `record` is the call record it
  // belongs to (none without --calls): the call's streams are reported to it. `peer` is the
  // message's peer (PeerTable::peer_of; kNoPeer without --peers): a call takes its first message's.
  // `keys`: the message's (message_keys.h).
  void on_sip_message(const SipMessage& message, const MessageKeys& keys, std::int64_t ts_ns, RecordRef record = {},
                      PeerId peer = kNoPeer);
  // A UDP payload. True when it was RTP or RTCP of a known (or, with the heuristic, plausible)
  // stream and is now counted; false leaves it to SIP detection. Cheap when it cannot be RTP.
  bool on_udp(const Payload& payload);
  // Starts loading the call-table slot on_sip_message(message) will probe (a hint: changes nothing).
  void prefetch(const SipMessage& message, const MessageKeys& keys) const {
    const Method method = message_method(message);
    if (method == Method::invite || method == Method::bye || !message.body.empty()) calls_.prefetch(keys.call());
  }
  // Live, issue 22: the figures of a stream the capture measured replace the ones the tracker
  // computed from the packets it was copied (the stream's first ones). False when no such stream
  // is in the table (the capture may then forget it).
  bool on_measured_stream(const MeasuredRtpStream& measured);
  // Finishes streams idle since before `now_ns - stream_idle_ns`.
  void advance(std::int64_t now_ns);
  // End of input (replay): every stream and call is finished.
  void finish();

  // Totals of finished streams plus the live ones as they stand; calls still live are judged
  // at `now_ns`.
  void fill(Report& report, std::int64_t now_ns) const;
  const MediaAnomalies& anomalies() const { return anomalies_; }
  bool active() const { return seen_sdp_ || config_.rtp_heuristic; }

  // Entries in each table now (tests, docs/media.md "Lifetime"). An RTP endpoint with its RTCP on
  // the next port is one entry.
  std::size_t endpoint_count() const { return endpoints_.size(); }
  std::size_t stream_count() const { return streams_.size(); }
  std::size_t call_count() const { return calls_.size(); }

  // Reserved bytes of the three tables (docs/media.md: memory per stream).
  std::size_t reserved_bytes() const {
    return endpoints_.reserved_bytes() + endpoints_.capacity() * sizeof(EndpointMaps) + streams_.reserved_bytes() +
           calls_.reserved_bytes();
  }

  static constexpr std::size_t kMaxPayloadMaps = 8;
  static constexpr PeerId kNoPeer = sipmon::kNoPeer;
  static constexpr std::size_t kMaxMediaPerSide = SdpSession::kMaxMedia;
  static constexpr std::size_t kStreamsPerCall = 4;  // a stream each way, and one SSRC change each

 private:
  enum Side : std::uint8_t { caller = 0, callee = 1 };
  // Direction of a stream: index into per-direction arrays.
  enum Direction : std::uint8_t { caller_to_callee = 0, callee_to_caller = 1 };

  struct PayloadMap {
    std::uint8_t payload_type;
    Codec codec;
    std::uint32_t clock_rate;
  };
  struct Endpoint {
    CallKey call;
    IpAddress address;  // the key's, for the endpoint observer
    std::uint16_t port;
    std::uint8_t map_count;  // of its payload maps, kept beside the table (endpoint_maps_); 0 without RTP
    Side owner;              // the side that receives here
    bool rtp : 1;
    bool rtcp : 1;
    // RTCP arrives at port + 1 as well, for the same call and side: RFC 3550 §11's pair, RTP on an
    // even port and RTCP on the next one, the usual case. One entry then holds both ports: half the
    // inserts, erases and lines of a call's endpoints. Only an even port holds its neighbour, so a
    // port is claimed by its own entry or by the pair below it, never both (docs/media.md,
    // "Endpoints").
    bool rtcp_above : 1;
  };
  // With the table's key and age links an entry is one cache line: a lookup, an insert or a free
  // reads and writes that line alone (the maps, 64 bytes more, are read only for RTP).
  static_assert(sizeof(Endpoint) + sizeof(CallKey) + 2 * sizeof(std::uint32_t) == 64);
  // An RTP endpoint's payload maps, by its entry's index. Kept out of the entries: an endpoint that
  // receives only RTCP (half of them) has none, and inserting it then touches no second line.
  struct alignas(64) EndpointMaps {
    std::array<PayloadMap, kMaxPayloadMaps> maps;
  };
  // Where one media section of a side receives: its endpoints' table slots as they were filled
  // in, and the address and ports that name them. A slot is used only while the entry there still
  // holds that address and port (an entry may have been evicted, or freed with another call, and
  // its slot reused since): then it is the entry a lookup of the key would find, without the
  // lookup's first cache miss (the index slot) or the key's hash.
  struct EndpointAddress {
    std::uint32_t rtp_entry;
    std::uint32_t rtcp_entry;
    IpAddress address;
    std::uint16_t rtp_port;
    std::uint16_t rtcp_port;
    // a=rtcp named another address (RFC 3605): the RTCP endpoint is not `address`; it is found by
    // its slot alone, while that slot holds this port for this call and side.
    bool rtcp_elsewhere;
    // RTCP on rtp_port + 1, held by the RTP endpoint's entry (Endpoint::rtcp_above): rtcp_entry is
    // rtp_entry.
    bool rtcp_folded() const { return pairs(rtp_port, rtcp_port, !rtcp_elsewhere); }
  };
  // RFC 3550 §11's pair, RTP on an even port and RTCP on the next one at the same address: one
  // entry holds both (Endpoint::rtcp_above).
  static bool pairs(std::uint16_t rtp_port, std::uint16_t rtcp_port, bool same_address) {
    return same_address && rtp_port % 2 == 0 && rtcp_port == rtp_port + 1;
  }
  struct Call {
    // What every message of the call reads or writes comes first: up to stream_count in the cache
    // line of the node's own links (BoundedTable: key, age links, value), then the timer-list links
    // and the RTP counts in the next line, the other half of the same aligned 128-byte pair, which
    // arrives with the first. (Moving those into the first line measured no gain, or a loss:
    // docs/performance.md, "A media call in one line, measured and reverted".)
    std::uint32_t caller_tag;     // tag_hash of the caller's From-tag
    std::uint32_t ended_cseq;     // the INVITE CSeq of the failure that ended it (0: not a failure)
    std::int64_t established_ns;  // 2xx to the INVITE; 0: not answered
    std::int64_t deadline_ns;     // when its timer list (below) frees it
    RecordRef record;             // the call record its streams are reported to
    PeerId peer;                  // of the message that created it (kNoPeer: none)
    bool start_delay_recorded;
    bool decided;  // one-way / no-media already judged
    // Lifetime (docs/media.md): on the `ended` list from its end to its linger's end, on the
    // `unanswered` list while an INVITE waits for its answer (TimerLists' fields).
    std::uint8_t timer_list;
    std::array<std::uint8_t, 2> media_count;
    std::uint8_t stream_count;
    std::uint32_t timer_prev;
    std::uint32_t timer_next;
    std::array<std::uint64_t, 2> packets;  // RTP per direction
    // Its first streams, finished when it is freed (no packet can reach them once its endpoints
    // are gone); more (SSRC changes) wait for their idle timeout. Checked against the stream's
    // call before use: a slot may have been finished and reused since.
    std::array<std::uint32_t, kStreamsPerCall> streams;
    std::array<std::array<EndpointAddress, kMaxMediaPerSide>, 2> media;  // per side
    // Makes the node (24 bytes of key and age links, then this) a whole number of cache lines, so
    // that the fields above share the links' line in every node of the mapped (page-aligned) array.
    std::array<std::uint8_t, 24> padding;
  };
  static_assert((sizeof(Call) + sizeof(CallKey) + 2 * sizeof(std::uint32_t)) % 64 == 0);
  static_assert(offsetof(Call, stream_count) + sizeof(Call::stream_count) + sizeof(CallKey) +
                    2 * sizeof(std::uint32_t) <=
                64);
  static_assert(offsetof(Call, packets) + sizeof(Call::packets) + sizeof(CallKey) + 2 * sizeof(std::uint32_t) <= 128);
  struct Stream {
    sipmon_rtp_stats stats;
    CallKey call;
    RecordRef record;  // the call's record when the stream began (none: not reported)
    CallEndpoint src;  // the first packet's
    CallEndpoint dst;
    std::uint32_t ssrc;
    std::uint32_t clock_rate;  // of the stream's payload type (0: unknown)
    Direction direction;
    PeerId peer;      // its call's; a heuristic stream's addresses' (kNoPeer: none)
    bool attributed;  // to a call through SDP (else found by the heuristic)
    std::uint8_t payload_type;
    Codec codec;
    bool known_clock;                 // the payload type's clock rate is known (RFC 3551 or an rtpmap)
    std::uint8_t event_payload_type;  // 0xff: none seen
    bool have_event;
    std::uint32_t last_event_ts;
    std::uint64_t events;
    // RTCP: the last SR this stream's sender sent (for RTT) and what the far end reported.
    std::uint32_t last_sr_ntp_middle;
    // Where its call's entry was last found: valid while that slot holds `call` (call_of), which
    // spares every RTP packet a lookup of its call (index slot and probe) in a table of
    // MiBs. (In the padding after last_sr_ntp_middle: a stream stays 320 bytes.)
    std::uint32_t call_slot;
    std::int64_t last_sr_ns;
    std::int64_t rtt_ns;  // -1: unknown
    bool has_far_report;
    std::uint8_t far_fraction_lost;
    std::int32_t far_cumulative_lost;
    std::uint32_t far_jitter_units;
    bool has_xr;
    std::uint8_t xr_mos_cq;  // x10
  };
  using EndpointTable = BoundedTable<Endpoint>;
  using StreamTable = BoundedTable<Stream>;
  using CallTable = BoundedTable<Call>;
  // Deadlines "event + constant": one constant per list, so each list is in deadline order.
  enum CallTimer : std::uint8_t { kEnded = 0, kUnanswered = 1 };
  using CallTimers = TimerLists<CallTable, 2>;

  // Totals of finished streams and decided calls.
  struct Totals {
    explicit Totals(std::size_t samples) : jitter_ms(samples), mos(samples), start_delay_ms(samples) {}
    std::uint64_t streams = 0;
    std::uint64_t heuristic_streams = 0;
    std::uint64_t packets = 0;
    std::uint64_t expected = 0;
    std::int64_t lost = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t late = 0;
    std::uint64_t events = 0;
    std::uint64_t one_way = 0;
    std::uint64_t no_media = 0;
    SampleStats jitter_ms;
    SampleStats mos;
    SampleStats start_delay_ms;
    BucketCounts<MediaReport::kJitterBoundsSeconds.size()> jitter_buckets{MediaReport::kJitterBoundsSeconds};
    BucketCounts<MediaReport::kMosBounds.size()> mos_buckets{MediaReport::kMosBounds};
    std::array<MediaReport::Peer, PeerTable::kMaxPeers + 1> peers{};  // by peer index, "other" last
  };

  void learn_sdp(const SipMessage& message, CallTable::Index call, Side sender);
  MediaEndpointPayloads endpoint_payloads(EndpointTable::Index index) const;
  void forget_side(CallTable::Index call, Side side);
  // A media section's payload maps, read from its rtpmaps once for both its endpoints (RTP, RTCP).
  struct PayloadMaps {
    std::array<PayloadMap, kMaxPayloadMaps> maps{};
    std::uint8_t count = 0;
  };
  static PayloadMaps payload_maps(const SdpMedia& media);
  // Returns the endpoint's slot in the table. `rtcp_above`: RTCP arrives at port + 1 too (an even
  // port only), held by the same entry.
  EndpointTable::Index add_endpoint(const CallKey& call, Side owner, const IpAddress& address, std::uint16_t port,
                                    bool rtp, bool rtcp, bool rtcp_above, const PayloadMaps& announced);
  // A claim on `port` replaces any earlier one of another entry: the pair below an odd port stops
  // holding it; an odd port's own entry is erased when the pair below it takes it.
  void take_from_pair_below(const IpAddress& address, std::uint16_t port);
  void take_from_entry_above(const IpAddress& address, std::uint16_t port);
  // The entry of the RTP/RTCP pair below the odd `port` when it holds `port` (kNone: none).
  EndpointTable::Index pair_below(const IpAddress& address, std::uint16_t port) const;
  // Erases an entry and tells the endpoint observer of each port it held.
  void erase_endpoint(EndpointTable::Index index);
  // An entry leaves the table (erased or evicted): the count of odd-port entries and the endpoint
  // observer, told of each port it held.
  void leaving(const Endpoint& endpoint);
  // The table entry of the endpoint `address`:`port` (kNone: none): `entry`, the slot it was added
  // at, while that slot still holds it; else a lookup by key (EndpointAddress).
  EndpointTable::Index endpoint_at(std::uint32_t entry, const IpAddress& address, std::uint16_t port) const;
  CallTable::Index call_for(const MessageKeys& keys, std::int64_t ts_ns, bool create);
  // `endpoint`: the entry the packet was sent to; kNone for a stream the heuristic found.
  void on_rtp(const Payload& payload, EndpointTable::Index endpoint);
  void on_rtcp(const Payload& payload, const Endpoint& endpoint);
  StreamTable::Index find_or_create_stream(const CallKey& key, bool& created);
  void finish_stream(StreamTable::Index index);
  // Adds a stream's figures to `totals` (finished, or a copy of the totals for a report).
  static void account(const Stream& stream, Totals& totals, bool finished);
  // Whether a stream is counted at all (the heuristic's plausibility test), and its MOS (< 0: not
  // scored): shared by the totals and the call records so that both say the same.
  static bool counted(const Stream& stream);
  static double stream_mos(const Stream& stream);
  // Totals, then the call record's observer: a stream leaves the table.
  void retire(const Stream& stream);
  void decide_call(Call& call, std::int64_t now_ns, Totals& totals) const;
  // What a SIP message can say about its call's lifetime, worked out once per message
  // (on_sip_message decides from it whether the message concerns the tracker at all).
  struct CallEvent {
    bool initial_invite;   // an INVITE without a To-tag
    bool invite_response;  // a response to an INVITE
    bool bye;
    bool dialog_error;  // a 481/408 that ends the dialog of a request other than INVITE
  };
  // Follows the call's state after `message` (docs/media.md, "Lifetime"): ended, answered, or
  // still waiting for its answer. `answered_before`: the call was answered before this message.
  void follow_lifetime(CallTable::Index index, const SipMessage& message, const CallEvent& event, std::int64_t ts_ns,
                       bool answered_before);
  // The call ends at `ts_ns`: freed after the linger (a repeated end does not extend it).
  // `failed_cseq`: the CSeq of the INVITE whose final failure ended it (0: ended otherwise).
  void end_call(CallTable::Index index, std::int64_t ts_ns, std::uint32_t failed_cseq = 0);
  // Frees the call's entry and the endpoints still its own (the endpoint observer is told), and
  // finishes its streams.
  void free_call(CallTable::Index index);
  // Starts loading what freeing the call will touch in the endpoint table: its entries, then
  // (once they have come) their index slots. Two rounds of cache misses, waited for in turn.
  void prefetch_endpoints(CallTable::Index index) const;
  // Starts loading, one step per packet, what freeing the next call of the `ended` list will
  // touch, so that it is in the caches by its deadline (docs/performance.md, "Media tracker").
  void prefetch_next_free();
  // The call entry of an attributed stream (kNone: its call is gone), from the slot it remembers
  // when that slot still holds its call, else by lookup (and remembered).
  CallTable::Index call_of(Stream& stream);
  // Calls `visit` with the table slot of each endpoint `call` announced: per media section its RTP
  // slot, then its RTCP slot unless it is the same one (muxed, or held by the RTP entry). Slots
  // may be stale: check live().
  template <typename Visit>
  static void for_each_endpoint_slot(const Call& call, Visit&& visit) {
    for (const Side side : {Side::caller, Side::callee}) {
      for (std::size_t i = 0; i < call.media_count[side]; ++i) {
        const EndpointAddress& media = call.media[side][i];
        visit(media.rtp_entry);
        if (media.rtcp_entry != media.rtp_entry) visit(media.rtcp_entry);
      }
    }
  }

  MediaConfig config_;
  MediaStreamObserver* observer_;
  std::uint64_t measured_behind_ = 0;  // measured figures older than the tracker's (kept its own)
  const PeerTable* peers_;
  EndpointTable endpoints_;
  ZeroedArray<EndpointMaps> endpoint_maps_;  // by endpoints_' index
  StreamTable streams_;
  CallTable calls_;
  CallTimers call_timers_{calls_};
  Totals totals_;
  MediaAnomalies anomalies_;
  std::uint64_t rtcp_packets_ = 0;
  std::uint64_t endpoint_evictions_ = 0;
  // Live endpoint entries on an odd port: while there are none (the usual case), a new RTP/RTCP
  // pair need not look for one on its RTCP port to take.
  std::size_t odd_port_entries_ = 0;
  std::uint64_t stream_evictions_ = 0;
  std::uint64_t call_evictions_ = 0;
  bool seen_sdp_ = false;
  // prefetch_next_free's progress: the call it loads and the steps done (3: all of them).
  CallTable::Index next_free_ = CallTable::kNone;
  std::uint8_t next_free_steps_ = 0;
  SdpSession sdp_;  // reused for every body
};

}  // namespace sipmon
