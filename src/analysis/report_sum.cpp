#include "analysis/report_sum.h"

#include <algorithm>
#include <map>

#include "analysis/rfc6076_sum.h"
#include "analysis/series_report.h"

namespace sipmon {
namespace {

void add_dialogs(DialogCounts& a, const DialogCounts& b) {
  a.established += b.established;
  a.terminated += b.terminated;
  a.active += b.active;
  a.expired += b.expired;
  a.evicted += b.evicted;
  a.early += b.early;
  a.terminated_bye_2xx += b.terminated_bye_2xx;
  a.terminated_bye_error += b.terminated_bye_error;
  a.terminated_bye_unanswered += b.terminated_bye_unanswered;
  a.terminated_error_response += b.terminated_error_response;
}

void add_status(StatusCounts& into, const StatusCounts& from) {
  for (const StatusCount& c : from) {
    auto it = std::lower_bound(into.begin(), into.end(), c.code,
                               [](const StatusCount& x, std::uint16_t code) { return x.code < code; });
    if (it != into.end() && it->code == c.code) {
      it->count += c.count;
    } else {
      into.insert(it, c);
    }
  }
}

void add_responses(ResponseCounts& into, const ResponseCounts& from) {
  for (std::size_t m = 0; m < into.by_method.size(); ++m) add_status(into.by_method[m], from.by_method[m]);
}

// Extension methods by spelling: a spelling new to `into` takes the next free slot, past the
// table's 64 it is counted as overflow (as one engine would have, had it seen them in this order).
void add_requests(RequestCounts& into, const RequestCounts& from) {
  for (std::size_t i = 0; i < kKnownMethodCount; ++i) into.standard[i] += from.standard[i];
  for (const ExtensionMethodCount& e : from.extension_methods()) {
    bool found = false;
    for (std::size_t i = 0; i < into.extension_count; ++i) {
      if (into.extensions[i].spelling() == e.spelling()) {
        into.extensions[i].count += e.count;
        found = true;
        break;
      }
    }
    if (found) continue;
    if (into.extension_count < RequestCounts::kMaxExtensionMethods) {
      into.extensions[into.extension_count++] = e;
    } else {
      into.overflow += e.count;
    }
  }
  into.overflow += from.overflow;
}

template <class T, class F>
void add_optional(std::optional<T>& into, const std::optional<T>& from, F add) {
  if (!from) return;
  if (!into) {
    into = from;
    return;
  }
  add(*into, *from);
}

void add_peer(PeerCounts& into, const PeerCounts& from) {
  for (std::size_t i = 0; i < into.requests.size(); ++i) into.requests[i] += from.requests[i];
  add_status(into.responses, from.responses);
  add_optional(into.rfc6076, from.rfc6076, add_figures);
  add_optional(into.dialogs, from.dialogs, add_dialogs);
}

template <std::size_t N>
void add_buckets(BucketCounts<N>& into, const BucketCounts<N>& from) {
  for (std::size_t i = 0; i < into.counts.size(); ++i) into.counts[i] += from.counts[i];
}

void add_media(MediaReport& a, const MediaReport& b) {
  a.streams += b.streams;
  a.heuristic_streams += b.heuristic_streams;
  a.packets += b.packets;
  a.expected += b.expected;
  a.lost += b.lost;
  a.duplicates += b.duplicates;
  a.late += b.late;
  a.rtcp_packets += b.rtcp_packets;
  a.dtmf_events += b.dtmf_events;
  a.one_way_calls += b.one_way_calls;
  a.no_media_calls += b.no_media_calls;
  if (!a.jitter_ms) a.jitter_ms = b.jitter_ms;
  if (!a.mos) a.mos = b.mos;
  if (!a.start_delay_ms) a.start_delay_ms = b.start_delay_ms;
  add_buckets(a.jitter_seconds_buckets, b.jitter_seconds_buckets);
  add_buckets(a.mos_buckets, b.mos_buckets);
  for (const auto& [name, p] : b.peers) {
    MediaReport::Peer& q = a.peers[name];
    q.streams += p.streams;
    q.packets += p.packets;
    q.expected += p.expected;
    q.lost += p.lost;
    q.one_way_calls += p.one_way_calls;
    q.no_media_calls += p.no_media_calls;
    add_buckets(q.jitter_seconds_buckets, p.jitter_seconds_buckets);
    add_buckets(q.mos_buckets, p.mos_buckets);
  }
}

// One interval of each part, expanded to typed counts (the requests' extension slots by the part's
// own spellings), added, and cut again against the total's spellings.
struct IntervalSum {
  SeriesInterval first;  // start, end
  RequestCounts requests;
  ResponseCounts responses;
  Rfc6076Report figures;
  std::uint64_t calls_active_max = 0;
};

SeriesReport add_series(const SeriesReport& a, const RequestCounts& a_spellings, const SeriesReport& b,
                        const RequestCounts& b_spellings, const RequestCounts& total_spellings) {
  std::map<std::int64_t, IntervalSum> sums;
  auto take = [&sums](const SeriesReport& series, const RequestCounts& spellings) {
    for (const SeriesInterval& interval : series.intervals) {
      IntervalSum& sum = sums[interval.start_ns];
      sum.first.start_ns = interval.start_ns;
      sum.first.end_ns = interval.end_ns;
      add_requests(sum.requests, interval.requests.expand(spellings));
      add_responses(sum.responses, interval.responses);
      add_figures(sum.figures, interval.rfc6076.expand());
      sum.calls_active_max += interval.calls_active_max;
    }
  };
  take(a, a_spellings);
  take(b, b_spellings);
  SeriesReport total;
  total.interval_ns = a.interval_ns;
  total.max_intervals = a.max_intervals;
  total.dropped_intervals = std::max(a.dropped_intervals, b.dropped_intervals);
  RequestCounts empty = total_spellings;
  for (std::size_t i = 0; i < empty.extension_count; ++i) empty.extensions[i].count = 0;
  empty.standard = {};
  empty.overflow = 0;
  for (auto& [start, sum] : sums) {
    SeriesInterval interval = sum.first;
    RequestCounts in_total_slots = empty;
    add_requests(in_total_slots, sum.requests);
    interval.requests = SeriesRequests::between(in_total_slots, empty);
    interval.responses = std::move(sum.responses);
    interval.rfc6076 = SeriesFigures::between(sum.figures, Rfc6076Report{});
    interval.calls_active_max = sum.calls_active_max;
    total.intervals.push_back(std::move(interval));
  }
  if (total.intervals.size() > total.max_intervals && total.max_intervals > 0) {
    total.dropped_intervals += total.intervals.size() - total.max_intervals;
    total.intervals.resize(total.max_intervals);
  }
  return total;
}

}  // namespace

// Shards' undecided attempts add up (rfc6076_sum.h: one addition for merge, series and shards).
void add_figures(Rfc6076Report& total, const Rfc6076Report& part) { add_rfc6076(total, part, PendingRule::sum); }

void add_report(Report& total, const Report& part) {
  CaptureReport& c = total.capture;
  const CaptureReport& d = part.capture;
  c.packets += d.packets;
  c.bytes += d.bytes;
  if (d.first_ts_ns) c.first_ts_ns = c.first_ts_ns ? std::min(*c.first_ts_ns, *d.first_ts_ns) : *d.first_ts_ns;
  if (d.last_ts_ns) c.last_ts_ns = c.last_ts_ns ? std::max(*c.last_ts_ns, *d.last_ts_ns) : *d.last_ts_ns;
  c.sip_messages += d.sip_messages;
  c.sip_packets += d.sip_packets;
  c.keepalives += d.keepalives;
  c.non_sip += d.non_sip;
  c.malformed_packets += d.malformed_packets;
  c.unsupported_link += d.unsupported_link;
  for (const auto& [type, n] : d.unsupported_link_by_type) c.unsupported_link_by_type[type] += n;
  c.outcomes += d.outcomes;
  c.events += d.events;
  c.defects += d.defects;
  c.duplicate_messages += d.duplicate_messages;

  const RequestCounts total_before = total.requests;
  add_requests(total.requests, part.requests);
  add_responses(total.responses, part.responses);
  add_optional(total.retransmissions, part.retransmissions, [](RetransmissionCounts& a, const RetransmissionCounts& b) {
    a.requests += b.requests;
    a.responses += b.responses;
  });
  add_optional(total.rfc6076, part.rfc6076, add_figures);
  add_optional(total.dialogs, part.dialogs, add_dialogs);
  if (!total.timers) total.timers = part.timers;
  for (std::size_t i = 0; i < kEvictingTableCount; ++i) {
    if (part.table_evictions.counts[i])
      total.table_evictions.add(static_cast<EvictingTable>(i), *part.table_evictions.counts[i]);
  }
  for (const auto& [name, peer] : part.peers) {
    const auto it = total.peers.find(name);
    if (it == total.peers.end()) {
      total.peers.emplace(name, peer);
    } else {
      add_peer(it->second, peer);
    }
  }
  add_optional(total.media, part.media, add_media);
  if (part.series) {
    SeriesReport none;
    none.interval_ns = part.series->interval_ns;
    none.max_intervals = part.series->max_intervals;
    total.series = std::make_shared<const SeriesReport>(
        add_series(total.series ? *total.series : none, total_before, *part.series, part.requests, total.requests));
  }
}

}  // namespace sipmon
