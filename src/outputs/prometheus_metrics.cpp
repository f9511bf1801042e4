#include "outputs/prometheus_metrics.h"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "analysis/anomaly.h"
#include "analysis/peer_table.h"
#include "analysis/sip_method.h"
#include "capture_event.h"  // the kernel filter's counter list (plain C)
#include "outputs/prometheus_compat.h"
#include "outputs/prometheus_hep.h"
#include "outputs/prometheus_slots.h"
#include "sipmon/version.h"

namespace sipmon {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

constexpr std::string_view kOther = "other";
constexpr int kFirstCode = 100;
constexpr int kLastCode = 699;
constexpr std::size_t kCodeSlots = kLastCode - kFirstCode + 2;  // 100..699, then "other"
constexpr std::size_t kMethodSlots = kKnownMethodCount + 1;     // known methods, then "other"
// Peer names come from the --peers file (PeerTable's bound and "other"); the bound guards the
// registry against any other source of names.
constexpr std::size_t kMaxPeerLabels = PeerTable::kMaxPeers + 1;

constexpr std::array<std::string_view, 3> kCaptureDropReasons = {"ring_buffer_full", "truncated", "socket_drops"};

// 100..699 keep their own label; the rest of 100..999 (codes no RFC defines) share "other".
std::size_t code_slot(std::uint16_t code) {
  return code >= kFirstCode && code <= kLastCode ? static_cast<std::size_t>(code - kFirstCode) : kCodeSlots - 1;
}

std::string code_slot_label(std::size_t slot) {
  return slot == kCodeSlots - 1 ? std::string(kOther) : std::to_string(kFirstCode + static_cast<int>(slot));
}

std::string method_slot_label(std::size_t slot) { return std::string(method_name(static_cast<Method>(slot))); }

// The labels of one series: the family's own (`outcome`...) after those of its owner (`peer`).
prometheus::Labels with(const prometheus::Labels& base, std::initializer_list<prometheus::Labels::value_type> own) {
  prometheus::Labels labels = base;
  labels.insert(own.begin(), own.end());
  return labels;
}

// RFC 6076 families: registered together the first time a report carries the section. Without
// --peers their series have no peer label; with it, one Rfc6076Metrics per peer adds its series,
// each labelled peer="NAME" ("other" for unlisted addresses), to the same families: the peers
// partition the attempts, so sum() over peer is the whole (docs/prometheus.md, "Per peer").
struct Rfc6076Metrics {
  CounterSlot attempts, established, redirected, effective, ineffective, completed, cancelled, failed, timeouts;
  CounterSlot registration_attempts, registrations_succeeded, registrations_ineffective, registration_timeouts;
  CounterSlot disconnect_timeouts;
  // Attempts still waiting for a final response (in replay: at the end of the input). Gauges,
  // not counters: they go down when the answer (or Timer B) comes.
  Gauge* sessions_pending = nullptr;
  Gauge* registrations_pending = nullptr;
  HistogramSlot srd_success, srd_failure, sdd, sdt, rrd;
  // Attempts counted once, when closed, by outcome: the shipped recording rules divide these
  // series by their own sum, so no ratio can pass 100 % in any window (docs/prometheus.md).
  std::array<CounterSlot, kClosedOutcomes> closed;
  std::array<CounterSlot, kClosedRegistrationOutcomes> registrations_closed;

  Rfc6076Metrics(prometheus::Registry& r, const prometheus::Labels& peer) {
    auto counter = [&r, &peer](const char* name, const char* help) {
      return CounterSlot{&counter_family(r, name, help).Add(peer), 0};
    };
    attempts = counter("sipmon_session_attempts_total",
                       "Session attempts: initial INVITEs, retransmissions and authenticated retries not counted again "
                       "(RFC 6076 SER/SEER/ISA/SCR denominator).");
    established = counter("sipmon_sessions_established_total", "Session attempts answered with a 2xx (SER numerator).");
    redirected = counter("sipmon_sessions_redirected_total",
                         "Session attempts ended by a 3xx; they leave the SER and SEER denominators.");
    effective = counter("sipmon_session_attempts_effective_total",
                        "Session attempts ended by 200, 480, 486, 600 or 603 (RFC 6076 SEER numerator).");
    ineffective =
        counter("sipmon_session_attempts_ineffective_total",
                "Session attempts ended by 408, 500, 503, 504 or no final response (RFC 6076 ISA numerator).");
    completed = counter("sipmon_sessions_completed_total",
                        "Established sessions ended by a BYE answered with a 2xx (RFC 6076 SCR numerator).");
    cancelled = counter("sipmon_sessions_cancelled_total", "Session attempts ended by a CANCEL (487).");
    failed = counter("sipmon_sessions_failed_total", "Session attempts ended by any other final failure.");
    timeouts = counter("sipmon_session_timeouts_total",
                       "Session attempts given up with no final response: Timer B (nothing came back) or Timer C "
                       "(provisional responses only); also ineffective.");
    auto& closed_family =
        counter_family(r, "sipmon_session_attempts_closed_total",
                       "Session attempts counted once when closed, by outcome: decided failures, redirections and "
                       "timeouts at the answer, established attempts when their dialog ends (completed: by a BYE "
                       "answered 2xx). The denominator of the shipped recording rules.");
    for (std::size_t i = 0; i < kClosedOutcomes; ++i)
      closed[i].counter =
          &closed_family.Add(with(peer, {{"outcome", closed_outcome_name(static_cast<ClosedOutcome>(i))}}));
    auto& registrations_closed_family =
        counter_family(r, "sipmon_registration_attempts_closed_total",
                       "Registration attempts counted once when decided (or evicted), by outcome.");
    for (std::size_t i = 0; i < kClosedRegistrationOutcomes; ++i)
      registrations_closed[i].counter = &registrations_closed_family.Add(
          with(peer, {{"outcome", closed_registration_name(static_cast<ClosedRegistration>(i))}}));
    registration_attempts =
        counter("sipmon_registration_attempts_total",
                "Registration attempts: initial REGISTERs, authenticated retries not counted again.");
    registrations_succeeded =
        counter("sipmon_registrations_succeeded_total", "Registration attempts answered with a 2xx.");
    registrations_ineffective = counter("sipmon_registrations_ineffective_total",
                                        "Registration attempts that failed or timed out (RFC 6076 IRA numerator).");
    registration_timeouts = counter("sipmon_registration_timeouts_total",
                                    "Registration attempts with no final response within Timer F; also ineffective.");
    disconnect_timeouts = counter("sipmon_session_disconnect_timeouts_total",
                                  "BYEs with no final response within Timer F (left out of the disconnect delay).");
    sessions_pending = &gauge_family(r, "sipmon_session_attempts_pending",
                                     "Session attempts with no final response yet, still inside Timer B or C.")
                            .Add(peer);
    registrations_pending = &gauge_family(r, "sipmon_registration_attempts_pending",
                                          "Registration attempts with no final response yet, younger than Timer F.")
                                 .Add(peer);
    auto& srd = histogram_family(r, "sipmon_session_request_delay_seconds",
                                 "RFC 6076 SRD: first INVITE to the first non-100 provisional or 2xx (success), or to "
                                 "the failure final response (failure).");
    srd_success.histogram = &srd.Add(with(peer, {{"outcome", "success"}}), delay_bounds());
    srd_failure.histogram = &srd.Add(with(peer, {{"outcome", "failure"}}), delay_bounds());
    sdd.histogram =
        &histogram_family(r, "sipmon_session_disconnect_delay_seconds", "RFC 6076 SDD: BYE to its final response.")
             .Add(peer, delay_bounds());
    sdt.histogram =
        &histogram_family(r, "sipmon_session_duration_seconds", "RFC 6076 SDT: 2xx to the INVITE until the BYE.")
             .Add(peer, delay_bounds());
    rrd.histogram = &histogram_family(r, "sipmon_registration_request_delay_seconds",
                                      "RFC 6076 RRD: first REGISTER to its 2xx, authentication round-trip included.")
                         .Add(peer, delay_bounds());
  }

  void set(const Rfc6076Report& report) {
    const SessionCounts& s = report.sessions;
    attempts.set(s.attempts);
    established.set(s.established);
    redirected.set(s.redirected);
    effective.set(s.effective);
    ineffective.set(s.ineffective);
    completed.set(s.completed);
    cancelled.set(s.cancelled);
    failed.set(s.failed);
    timeouts.set(s.timeouts);
    sessions_pending->Set(static_cast<double>(s.pending));
    for (std::size_t i = 0; i < kClosedOutcomes; ++i) closed[i].set(s.closed.by_outcome[i]);
    const RegistrationCounts& g = report.registrations;
    registration_attempts.set(g.attempts);
    registrations_succeeded.set(g.succeeded);
    registrations_ineffective.set(g.ineffective);
    registration_timeouts.set(g.timeouts);
    registrations_pending->Set(static_cast<double>(g.pending));
    for (std::size_t i = 0; i < kClosedRegistrationOutcomes; ++i) registrations_closed[i].set(g.closed[i]);
    disconnect_timeouts.set(report.sdd_timeouts);
    srd_success.set(report.srd);
    srd_failure.set(report.srd_failed);
    sdd.set(report.sdd);
    sdt.set(report.sdt);
    rrd.set(report.rrd);
  }
};

// Dialog families: registered together the first time a report carries the dialogs section.
// Confirmed dialogs satisfy established = terminated + expired + evicted + active, so each way a
// dialog leaves the table has its counter and the gauge holds the rest.
// A Prometheus histogram driven by fixed BucketCounts (media: jitter, MOS): same bounds, so the
// bucket counts carry over exactly.
template <std::size_t N>
struct BucketSlot {
  Histogram* histogram = nullptr;
  std::array<std::uint64_t, N + 1> applied{};
  double applied_sum = 0;

  void set(const BucketCounts<N>& source) {
    std::vector<double> increments(N + 1, 0.0);
    bool changed = false;
    for (std::size_t i = 0; i <= N; ++i) {
      if (source.counts[i] > applied[i]) {
        increments[i] = static_cast<double>(source.counts[i] - applied[i]);
        applied[i] = source.counts[i];
        changed = true;
      }
    }
    if (!changed) return;
    histogram->ObserveMultiple(increments, std::max(0.0, source.sum - applied_sum));
    applied_sum = std::max(applied_sum, source.sum);
  }
};

// RTP/RTCP of the calls (docs/media.md).
struct MediaMetrics {
  CounterSlot packets, lost, streams, one_way, no_media, rtcp_packets;
  BucketSlot<MediaReport::kJitterBoundsSeconds.size()> jitter;
  BucketSlot<MediaReport::kMosBounds.size()> mos;

  explicit MediaMetrics(prometheus::Registry& r) : registry(&r) {
    auto counter = [&r](const char* name, const char* help) {
      return CounterSlot{&counter_family(r, name, help).Add({}), 0};
    };
    packets = counter("sipmon_rtp_packets_total", "RTP packets received in the streams of the calls.");
    lost = counter("sipmon_rtp_lost_packets_total",
                   "RTP packets lost (RFC 3550 A.3: expected minus received, summed over streams).");
    streams = counter("sipmon_rtp_streams_total", "RTP streams (one SSRC in one direction) measured.");
    one_way = counter("sipmon_calls_one_way_total", "Answered calls with RTP in one direction only.");
    no_media = counter("sipmon_calls_no_media_total", "Answered calls with no RTP in either direction.");
    rtcp_packets = counter("sipmon_rtcp_packets_total", "RTCP packets of the calls' streams.");
    const auto& jitter_bounds = MediaReport::kJitterBoundsSeconds;
    jitter.histogram = &histogram_family(r, "sipmon_rtp_jitter_seconds",
                                         "Mean interarrival jitter of finished RTP streams (RFC 3550 A.8).")
                            .Add({}, Histogram::BucketBoundaries(jitter_bounds.begin(), jitter_bounds.end()));
    const auto& mos_bounds = MediaReport::kMosBounds;
    mos.histogram = &histogram_family(r, "sipmon_call_mos", "MOS-CQ (ITU-T G.107 E-model) of finished audio streams.")
                         .Add({}, Histogram::BucketBoundaries(mos_bounds.begin(), mos_bounds.end()));
  }

  // --peers: one series per peer in each sipmon_peer_* media family, created as peers appear.
  struct PeerSlots {
    CounterSlot packets, lost, streams, one_way, no_media;
    BucketSlot<MediaReport::kJitterBoundsSeconds.size()> jitter;
    BucketSlot<MediaReport::kMosBounds.size()> mos;
  };
  struct PeerFamilies {
    Family<Counter>* packets;
    Family<Counter>* lost;
    Family<Counter>* streams;
    Family<Counter>* one_way;
    Family<Counter>* no_media;
    Family<Histogram>* jitter;
    Family<Histogram>* mos;
  };
  prometheus::Registry* registry;
  std::optional<PeerFamilies> peer_families;
  std::map<std::string, PeerSlots, std::less<>> peers;

  void set_peers(const std::map<std::string, MediaReport::Peer>& by_peer) {
    if (!peer_families) {
      auto& r = *registry;
      peer_families = PeerFamilies{
          &counter_family(r, "sipmon_peer_rtp_packets_total", "RTP packets of the streams of each peer's calls."),
          &counter_family(r, "sipmon_peer_rtp_lost_packets_total",
                          "RTP packets lost (RFC 3550 A.3) in the streams of each peer's calls."),
          &counter_family(r, "sipmon_peer_rtp_streams_total", "RTP streams of each peer's calls."),
          &counter_family(r, "sipmon_peer_calls_one_way_total", "Answered calls of each peer with RTP one way only."),
          &counter_family(r, "sipmon_peer_calls_no_media_total", "Answered calls of each peer with no RTP."),
          &histogram_family(r, "sipmon_peer_rtp_jitter_seconds",
                            "Mean interarrival jitter of finished RTP streams of each peer's calls."),
          &histogram_family(r, "sipmon_peer_call_mos",
                            "MOS-CQ (E-model) of finished audio streams of each peer's calls."),
      };
    }
    const PeerFamilies& f = *peer_families;
    for (const auto& [name, figures] : by_peer) {
      auto it = peers.find(name);
      if (it == peers.end()) {
        if (peers.size() >= kMaxPeerLabels) continue;  // never more series than peers allowed
        PeerSlots slots;
        const prometheus::Labels labels{{"peer", name}};
        slots.packets.counter = &f.packets->Add(labels);
        slots.lost.counter = &f.lost->Add(labels);
        slots.streams.counter = &f.streams->Add(labels);
        slots.one_way.counter = &f.one_way->Add(labels);
        slots.no_media.counter = &f.no_media->Add(labels);
        const auto& jitter_bounds = MediaReport::kJitterBoundsSeconds;
        slots.jitter.histogram =
            &f.jitter->Add(labels, Histogram::BucketBoundaries(jitter_bounds.begin(), jitter_bounds.end()));
        const auto& mos_bounds = MediaReport::kMosBounds;
        slots.mos.histogram = &f.mos->Add(labels, Histogram::BucketBoundaries(mos_bounds.begin(), mos_bounds.end()));
        it = peers.emplace(name, std::move(slots)).first;
      }
      PeerSlots& slots = it->second;
      slots.packets.set(figures.packets);
      slots.lost.set(figures.lost > 0 ? static_cast<std::uint64_t>(figures.lost) : 0);
      slots.streams.set(figures.streams);
      slots.one_way.set(figures.one_way_calls);
      slots.no_media.set(figures.no_media_calls);
      slots.jitter.set(figures.jitter_seconds_buckets);
      slots.mos.set(figures.mos_buckets);
    }
  }

  void set(const MediaReport& m) {
    if (!m.peers.empty()) set_peers(m.peers);
    packets.set(m.packets);
    lost.set(m.lost > 0 ? static_cast<std::uint64_t>(m.lost) : 0);
    streams.set(m.streams);
    one_way.set(m.one_way_calls);
    no_media.set(m.no_media_calls);
    rtcp_packets.set(m.rtcp_packets);
    jitter.set(m.jitter_seconds_buckets);
    mos.set(m.mos_buckets);
  }
};

struct DialogMetrics {
  Gauge* active = nullptr;
  CounterSlot established, expired, evicted, early;
  // By how they ended: the four ways of DialogCounts, summing to the terminated count.
  CounterSlot terminated_bye_2xx, terminated_bye_error, terminated_bye_unanswered, terminated_error_response;

  // `peer`: as Rfc6076Metrics' (a dialog belongs to the peer of the attempt that established it).
  DialogMetrics(prometheus::Registry& r, const prometheus::Labels& peer) {
    auto counter = [&r, &peer](const char* name, const char* help) {
      return CounterSlot{&counter_family(r, name, help).Add(peer), 0};
    };
    active = &gauge_family(r, "sipmon_dialogs_active", "Dialogs established and not yet ended.").Add(peer);
    established = counter("sipmon_dialogs_established_total", "Dialogs confirmed by a 2xx to their INVITE.");
    expired = counter("sipmon_dialogs_expired_total",
                      "Confirmed dialogs ended by expiry: no refresh within the session interval.");
    evicted = counter("sipmon_dialogs_evicted_total",
                      "Confirmed dialogs dropped because the dialog table was full (also in "
                      "sipmon_table_evictions_total{table=\"dialogs\"}).");
    early = counter("sipmon_dialogs_early_total",
                    "Early dialogs created by a provisional response with a To-tag; not in the established count.");
    auto& terminated =
        counter_family(r, "sipmon_dialogs_terminated_total",
                       "Confirmed dialogs ended by a BYE or an error response, by reason: BYE answered "
                       "2xx, BYE answered >= 300, BYE unanswered within Timer F, 481/408 to an in-dialog "
                       "request.");
    terminated_bye_2xx.counter = &terminated.Add(with(peer, {{"reason", "bye_2xx"}}));
    terminated_bye_error.counter = &terminated.Add(with(peer, {{"reason", "bye_error"}}));
    terminated_bye_unanswered.counter = &terminated.Add(with(peer, {{"reason", "bye_unanswered"}}));
    terminated_error_response.counter = &terminated.Add(with(peer, {{"reason", "error_response"}}));
  }

  void set(const DialogCounts& d) {
    active->Set(static_cast<double>(d.active));
    established.set(d.established);
    expired.set(d.expired);
    evicted.set(d.evicted);
    early.set(d.early);
    terminated_bye_2xx.set(d.terminated_bye_2xx);
    terminated_bye_error.set(d.terminated_bye_error);
    terminated_bye_unanswered.set(d.terminated_bye_unanswered);
    terminated_error_response.set(d.terminated_error_response);
  }
};

}  // namespace

std::string code_label(std::uint16_t code) { return code_slot_label(code_slot(code)); }

std::string_view capture_drop_label(std::string_view reason) {
  const bool known =
      std::find(kCaptureDropReasons.begin(), kCaptureDropReasons.end(), reason) != kCaptureDropReasons.end();
  return known ? reason : kOther;
}

struct PrometheusMetrics::State {
  PrometheusMetricsOptions options;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::mutex mutex;

  std::array<CounterSlot, kMethodSlots> requests{};
  Family<Counter>* responses_family = nullptr;
  std::array<std::array<CounterSlot, kCodeSlots>, kMethodSlots> responses{};  // created when first seen
  CounterSlot packets, bytes;
  // sipmon_decode_anomalies_total: one reason label per name of the three kinds (anomaly.h).
  std::array<CounterSlot, kFrameOutcomeCount> outcomes{};
  std::array<CounterSlot, kDecoderEventCount> events{};
  std::array<CounterSlot, kMessageDefectCount> defects{};
  Family<Counter>* evictions_family = nullptr;
  std::array<CounterSlot, kEvictingTableCount> evictions{};  // created when the table is first listed

  // Registered when first measured.
  std::optional<std::array<CounterSlot, 2>> retransmissions;  // request, response
  std::optional<Rfc6076Metrics> rfc6076;
  std::optional<DialogMetrics> dialogs;
  // --peers: the same families, one set of series per peer label (bounded by kMaxPeerLabels).
  std::map<std::string, Rfc6076Metrics, std::less<>> rfc6076_by_peer;
  std::map<std::string, DialogMetrics, std::less<>> dialogs_by_peer;
  Family<Counter>* capture_drops_family = nullptr;
  std::map<std::string, CounterSlot, std::less<>> capture_drops;
  Family<Counter>* encapsulations_family = nullptr;
  std::map<std::string, CounterSlot, std::less<>> encapsulations;
  Counter* push_failures = nullptr;

  // Live capture interfaces, created with the first update (sipmon live only).
  struct InterfaceSlots {
    Gauge* up = nullptr;
    Counter* blind_seconds = nullptr;
    double blind_applied = 0;
    CounterSlot gaps;
    CounterSlot reattaches;
  };
  Family<Gauge>* interface_up_family = nullptr;
  Family<Counter>* interface_blind_family = nullptr;
  Family<Counter>* interface_gaps_family = nullptr;
  Family<Counter>* interface_reattaches_family = nullptr;
  std::map<std::string, InterfaceSlots, std::less<>> interfaces;

  // --peers: created with the first report that carries peers.
  Family<Counter>* peer_requests_family = nullptr;
  Family<Counter>* peer_responses_family = nullptr;
  std::map<std::string, std::array<CounterSlot, kMethodSlots>, std::less<>> peer_requests;
  std::map<std::string, std::array<CounterSlot, kCodeSlots>, std::less<>> peer_responses;

  std::optional<SipExporterCompat> compat;
  PrometheusHepMetrics hep{*registry};
  std::optional<MediaMetrics> media;

  explicit State(PrometheusMetricsOptions opts) : options(opts) {
    prometheus::Registry& r = *registry;
    auto& requests_family =
        counter_family(r, "sipmon_sip_requests_total", "SIP requests on the wire by method, retransmissions included.");
    for (std::size_t i = 0; i < kMethodSlots; ++i) {
      requests[i].counter = &requests_family.Add({{"method", method_slot_label(i)}});
    }
    responses_family = &counter_family(r, "sipmon_sip_responses_total",
                                       "SIP responses on the wire by the method in their CSeq and status code, "
                                       "retransmissions included.");
    packets.counter = &counter_family(r, "sipmon_packets_total", "Packets read (captured frames).").Add({});
    bytes.counter = &counter_family(r, "sipmon_bytes_total", "Bytes read: sum of the frames' wire lengths.").Add({});
    auto& anomaly_family = counter_family(r, "sipmon_decode_anomalies_total",
                                          "Packets and messages that could not be decoded cleanly, by reason "
                                          "(docs/report.md lists the reasons).");
    auto reason = [&anomaly_family](std::string_view name) {
      return &anomaly_family.Add({{"reason", std::string(name)}});
    };
    for (std::size_t i = 0; i < kFrameOutcomeCount; ++i)
      outcomes[i].counter = reason(frame_outcome_name(static_cast<FrameOutcome>(i)));
    for (std::size_t i = 0; i < kDecoderEventCount; ++i)
      events[i].counter = reason(decoder_event_name(static_cast<DecoderEvent>(i)));
    for (std::size_t i = 0; i < kMessageDefectCount; ++i)
      defects[i].counter = reason(message_defect_name(static_cast<MessageDefect>(i)));
    evictions_family = &counter_family(r, "sipmon_table_evictions_total",
                                       "Entries dropped or turned away because a bounded table was full, by table.");
    gauge_family(r, "sipmon_build_info", "sipmon's version; always 1.").Add({{"version", kVersion}}).Set(1);
    if (options.compat_sip_exporter) compat.emplace(r);
  }

  void update(const Report& report);
  void update_peers(const std::map<std::string, PeerCounts>& peers);
  void update_call_peers(const std::map<std::string, PeerCounts>& peers);
};

void PrometheusMetrics::State::update(const Report& report) {
  // The method slots are the Method enum's; every extension method shares "other".
  std::array<std::uint64_t, kMethodSlots> request_counts{};
  for (std::size_t i = 0; i < kMethodSlots; ++i) request_counts[i] = report.requests[static_cast<Method>(i)];
  for (std::size_t i = 0; i < kMethodSlots; ++i) requests[i].set(request_counts[i]);

  // Codes past 699 share a label: sum first.
  std::array<std::array<std::uint64_t, kCodeSlots>, kMethodSlots> response_counts{};
  for (std::size_t m = 0; m < kMethodSlots; ++m) {
    for (const auto& [code, count] : report.responses.by_method[m]) {
      const std::size_t c = code_slot(code);
      response_counts[m][c] += count;
    }
  }
  for (std::size_t m = 0; m < kMethodSlots; ++m) {
    for (std::size_t c = 0; c < kCodeSlots; ++c) {
      if (response_counts[m][c] == 0) continue;
      CounterSlot& slot = responses[m][c];
      if (slot.counter == nullptr) {
        slot.counter = &responses_family->Add({{"method", method_slot_label(m)}, {"code", code_slot_label(c)}});
      }
      slot.set(response_counts[m][c]);
    }
  }

  packets.set(report.capture.packets);
  bytes.set(report.capture.bytes);
  for (std::size_t i = 0; i < kFrameOutcomeCount; ++i) outcomes[i].set(report.capture.outcomes.counts[i]);
  for (std::size_t i = 0; i < kDecoderEventCount; ++i) events[i].set(report.capture.events.counts[i]);
  for (std::size_t i = 0; i < kMessageDefectCount; ++i) defects[i].set(report.capture.defects.counts[i]);

  for (std::size_t i = 0; i < kEvictingTableCount; ++i) {
    const auto table = static_cast<EvictingTable>(i);
    if (!report.table_evictions.listed(table)) continue;
    CounterSlot& slot = evictions[i];
    if (slot.counter == nullptr)
      slot.counter = &evictions_family->Add({{"table", std::string(evicting_table_name(table))}});
    slot.set(report.table_evictions[table]);
  }

  if (report.retransmissions) {
    if (!retransmissions) {
      auto& family = counter_family(*registry, "sipmon_sip_retransmissions_total",
                                    "SIP messages repeating one already seen in the same transaction, by kind "
                                    "(request or response); also counted in the request and response totals.");
      retransmissions.emplace(std::array<CounterSlot, 2>{CounterSlot{&family.Add({{"kind", "request"}}), 0},
                                                         CounterSlot{&family.Add({{"kind", "response"}}), 0}});
    }
    (*retransmissions)[0].set(report.retransmissions->requests);
    (*retransmissions)[1].set(report.retransmissions->responses);
  }

  // With --peers every peer carries its own rfc6076 and dialogs sections, and the families are
  // labelled by peer instead: the unlabelled series would repeat their sum.
  const bool per_peer = std::any_of(report.peers.begin(), report.peers.end(),
                                    [](const auto& entry) { return entry.second.rfc6076.has_value(); });
  if (per_peer) {
    update_call_peers(report.peers);
  } else {
    if (report.rfc6076) {
      if (!rfc6076) rfc6076.emplace(*registry, prometheus::Labels{});
      rfc6076->set(*report.rfc6076);
    }
    if (report.dialogs) {
      if (!dialogs) dialogs.emplace(*registry, prometheus::Labels{});
      dialogs->set(*report.dialogs);
    }
  }

  if (report.media) {
    if (!media) media.emplace(*registry);
    media->set(*report.media);
  }

  if (!report.peers.empty()) update_peers(report.peers);
  if (compat) compat->update(report);
}

void PrometheusMetrics::State::update_peers(const std::map<std::string, PeerCounts>& peers) {
  if (peer_requests_family == nullptr) {
    peer_requests_family = &counter_family(*registry, "sipmon_peer_sip_requests_total",
                                           "SIP requests by peer (--peers: the source's network, else the "
                                           "destination's) and method, retransmissions included.");
    peer_responses_family =
        &counter_family(*registry, "sipmon_peer_sip_responses_total",
                        "SIP responses by peer (--peers) and status code, retransmissions included.");
  }
  // Sum per bounded label first: names past the bound share "other".
  std::map<std::string_view, std::array<std::uint64_t, kMethodSlots>> requests_by_peer;
  std::map<std::string_view, std::array<std::uint64_t, kCodeSlots>> responses_by_peer;
  for (const auto& [name, counts] : peers) {
    const bool known = peer_requests.contains(name) || peer_requests.size() + requests_by_peer.size() < kMaxPeerLabels;
    const std::string_view label = known ? std::string_view(name) : kOther;
    auto& requests_of_peer = requests_by_peer[label];
    for (std::size_t m = 0; m < kMethodSlots; ++m) requests_of_peer[m] += counts.requests[m];
    auto& responses_of_peer = responses_by_peer[label];
    for (const auto& [code, n] : counts.responses) responses_of_peer[code_slot(code)] += n;
  }
  for (const auto& [label, counts] : requests_by_peer) {
    auto& slots = peer_requests.try_emplace(std::string(label)).first->second;
    for (std::size_t m = 0; m < kMethodSlots; ++m) {
      if (counts[m] == 0) continue;
      if (slots[m].counter == nullptr) {
        slots[m].counter = &peer_requests_family->Add({{"peer", std::string(label)}, {"method", method_slot_label(m)}});
      }
      slots[m].set(counts[m]);
    }
  }
  for (const auto& [label, counts] : responses_by_peer) {
    auto& slots = peer_responses.try_emplace(std::string(label)).first->second;
    for (std::size_t c = 0; c < kCodeSlots; ++c) {
      if (counts[c] == 0) continue;
      if (slots[c].counter == nullptr) {
        slots[c].counter = &peer_responses_family->Add({{"peer", std::string(label)}, {"code", code_slot_label(c)}});
      }
      slots[c].set(counts[c]);
    }
  }
}

// Whether a peer has anything to show yet: a listed peer's series appear with its first attempt,
// registration or dialog, so that a long peers file adds no all-zero series for peers that never
// talk; "other" is there from the first report, so that the families are (as without --peers).
static bool has_call_activity(const PeerCounts& counts) {
  const bool calls =
      counts.rfc6076 && (counts.rfc6076->sessions.attempts > 0 || counts.rfc6076->registrations.attempts > 0 ||
                         counts.rfc6076->sdd.count() > 0 || counts.rfc6076->sdd_timeouts > 0);
  const bool dialogs = counts.dialogs && (counts.dialogs->established > 0 || counts.dialogs->early > 0);
  return calls || dialogs;
}

void PrometheusMetrics::State::update_call_peers(const std::map<std::string, PeerCounts>& peers) {
  for (const auto& [name, counts] : peers) {
    // The peers file bounds the names; past kMaxPeerLabels (a bug) they are left out rather
    // than let the registry grow.
    if (!rfc6076_by_peer.contains(name) && rfc6076_by_peer.size() == kMaxPeerLabels) continue;
    const bool known = rfc6076_by_peer.contains(name) || dialogs_by_peer.contains(name);
    if (!known && name != PeerTable::kOtherName && !has_call_activity(counts)) continue;
    const prometheus::Labels label{{"peer", name}};
    if (counts.rfc6076) {
      auto it = rfc6076_by_peer.find(name);
      if (it == rfc6076_by_peer.end()) it = rfc6076_by_peer.try_emplace(name, *registry, label).first;
      it->second.set(*counts.rfc6076);
    }
    if (counts.dialogs) {
      auto it = dialogs_by_peer.find(name);
      if (it == dialogs_by_peer.end()) it = dialogs_by_peer.try_emplace(name, *registry, label).first;
      it->second.set(*counts.dialogs);
    }
  }
}

PrometheusMetrics::PrometheusMetrics(PrometheusMetricsOptions options) : state_(std::make_unique<State>(options)) {}

PrometheusMetrics::~PrometheusMetrics() = default;

void PrometheusMetrics::update(const Report& report) {
  const std::lock_guard lock(state_->mutex);
  state_->update(report);
  state_->hep.update(report.capture);
}

void PrometheusMetrics::update_capture_drops(const std::map<std::string, std::uint64_t>& totals_by_reason) {
  const std::lock_guard lock(state_->mutex);
  State& s = *state_;
  if (s.capture_drops_family == nullptr) {
    s.capture_drops_family = &counter_family(*s.registry, "sipmon_capture_drops_total",
                                             "Packets the live capture lost before analysis, by reason.");
  }
  std::map<std::string_view, std::uint64_t> by_label;
  for (const auto& [reason, total] : totals_by_reason) by_label[capture_drop_label(reason)] += total;
  for (const auto& [label, total] : by_label) {
    auto it = s.capture_drops.find(label);
    if (it == s.capture_drops.end()) {
      const std::string name(label);
      it = s.capture_drops.emplace(name, CounterSlot{&s.capture_drops_family->Add({{"reason", name}}), 0}).first;
    }
    it->second.set(total);
  }
}

void PrometheusMetrics::update_kernel_encapsulations(const std::map<std::string, std::uint64_t>& kernel_counters) {
  // The kernel filter's counter list (bpf/capture_event.h), with which of them are encapsulations.
  struct KernelCounter {
    std::string_view name;
    bool encapsulation;
  };
  static constexpr KernelCounter kKernelCounters[] = {
#define SIPMON_KERNEL_COUNTER(id, name, encapsulation) {name, encapsulation != 0},
      SIPMON_KERNEL_COUNTERS(SIPMON_KERNEL_COUNTER)
#undef SIPMON_KERNEL_COUNTER
  };
  const std::lock_guard lock(state_->mutex);
  State& s = *state_;
  for (const KernelCounter& counter : kKernelCounters) {
    if (!counter.encapsulation) continue;
    const auto total = kernel_counters.find(std::string(counter.name));
    if (total == kernel_counters.end()) continue;  // not the eBPF source
    if (s.encapsulations_family == nullptr) {
      s.encapsulations_family =
          &counter_family(*s.registry, "sipmon_kernel_encapsulated_packets_total",
                          "SIP packets the kernel filter matched inside this encapsulation (one packet counts in "
                          "every encapsulation it crossed).");
    }
    auto it = s.encapsulations.find(counter.name);
    if (it == s.encapsulations.end()) {
      const std::string name(counter.name);
      it = s.encapsulations.emplace(name, CounterSlot{&s.encapsulations_family->Add({{"encapsulation", name}}), 0})
               .first;
    }
    it->second.set(total->second);
  }
}

void PrometheusMetrics::update_capture_interfaces(const std::map<std::string, CaptureInterfaceStatus>& by_interface) {
  const std::lock_guard lock(state_->mutex);
  State& s = *state_;
  if (s.interface_up_family == nullptr) {
    prometheus::Registry& r = *s.registry;
    s.interface_up_family =
        &gauge_family(r, "sipmon_capture_interface_up",
                      "1 while the capture interface exists and is captured, 0 while it is deleted.");
    s.interface_blind_family = &counter_family(r, "sipmon_capture_interface_blind_seconds_total",
                                               "Seconds the capture interface was deleted, so nothing on it was seen.");
    s.interface_gaps_family = &counter_family(r, "sipmon_capture_interface_gaps_total",
                                              "Times the capture interface was deleted while capturing.");
    s.interface_reattaches_family = &counter_family(r, "sipmon_capture_interface_reattaches_total",
                                                    "Times capture followed a re-created interface to its new index.");
  }
  for (const auto& [name, status] : by_interface) {
    auto it = s.interfaces.find(name);
    if (it == s.interfaces.end()) {
      const prometheus::Labels labels{{"interface", name}};
      State::InterfaceSlots slots;
      slots.up = &s.interface_up_family->Add(labels);
      slots.blind_seconds = &s.interface_blind_family->Add(labels);
      slots.gaps.counter = &s.interface_gaps_family->Add(labels);
      slots.reattaches.counter = &s.interface_reattaches_family->Add(labels);
      it = s.interfaces.emplace(name, slots).first;
    }
    State::InterfaceSlots& slots = it->second;
    slots.up->Set(status.up ? 1 : 0);
    if (status.blind_seconds > slots.blind_applied) {
      slots.blind_seconds->Increment(status.blind_seconds - slots.blind_applied);
      slots.blind_applied = status.blind_seconds;
    }
    slots.gaps.set(status.gaps);
    slots.reattaches.set(status.reattaches);
  }
}

void PrometheusMetrics::add_push_failures(std::uint64_t n) {
  const std::lock_guard lock(state_->mutex);
  State& s = *state_;
  if (s.push_failures == nullptr) {
    s.push_failures = &counter_family(*s.registry, "sipmon_push_failures_total",
                                      "Pushes to the Pushgateway that failed (connection or HTTP error).")
                           .Add({});
  }
  s.push_failures->Increment(static_cast<double>(n));
}

std::shared_ptr<prometheus::Registry> PrometheusMetrics::registry() const { return state_->registry; }

std::string PrometheusMetrics::render() const {
  // Series sorted by labels inside each family: prometheus-cpp keeps them in hash order, and a
  // file that changes order between identical runs makes diffs and checks noisy.
  auto families = state_->registry->Collect();
  for (prometheus::MetricFamily& family : families) {
    std::sort(family.metric.begin(), family.metric.end(),
              [](const prometheus::ClientMetric& a, const prometheus::ClientMetric& b) { return a.label < b.label; });
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace sipmon
