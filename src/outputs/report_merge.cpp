#include "outputs/report_merge.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "analysis/delay_histogram.h"
#include "analysis/report.h"
#include "analysis/report_sum.h"
#include "analysis/rfc6076_sum.h"
#include "outputs/json_report.h"

namespace sipmon {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kDelayNames[] = {"srd", "srd_failed", "sdd", "sdt", "rrd"};

template <class R>
auto& delay_of(R& r, std::string_view name) {
  if (name == "srd") return r.srd;
  if (name == "srd_failed") return r.srd_failed;
  if (name == "sdd") return r.sdd;
  if (name == "sdt") return r.sdt;
  return r.rrd;
}

tl::unexpected<Error> bad(const std::string& name, const std::string& what) {
  return make_error(ErrorKind::input, name + ": " + what);
}

std::uint64_t count_at(const Json& object, const char* key) {
  if (!object.is_object()) return 0;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return 0;
  return it->is_number_unsigned() ? it->get<std::uint64_t>()
                                  : static_cast<std::uint64_t>(std::max<std::int64_t>(0, it->get<std::int64_t>()));
}

double number_at(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::optional<unsigned> index_of(const std::string& key) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), value);
  if (ec != std::errc() || end != key.data() + key.size()) return std::nullopt;
  return value;
}

// One delay rebuilt from its mergeable form (json_report.cpp, sketch_to_json).
Expected<DelayHistogram> delay_from_json(const Json& sketch, const std::string& where) {
  if (!sketch.is_object()) return bad(where, "not an object");
  DelayHistogram::Sparse sparse;
  std::uint64_t in_buckets = 0;
  const auto buckets = sketch.find("buckets");
  const auto prometheus = sketch.find("prometheus_buckets");
  if (buckets == sketch.end() || !buckets->is_object() || prometheus == sketch.end() || !prometheus->is_object())
    return bad(where, "no buckets");
  for (const auto& [key, value] : buckets->items()) {
    const auto index = index_of(key);
    if (!index || *index > DelaySketch::kAboveMax || !value.is_number_unsigned())
      return bad(where, "bucket '" + key + "' is not a sketch bucket");
    sparse.sketch.push_back({static_cast<std::uint16_t>(*index), value.get<std::uint64_t>()});
    in_buckets += value.get<std::uint64_t>();
  }
  std::uint64_t in_prometheus = 0;
  for (const auto& [key, value] : prometheus->items()) {
    const auto index = index_of(key);
    if (!index || *index >= DelayHistogram::kPrometheusBuckets || !value.is_number_unsigned())
      return bad(where, "Prometheus bucket '" + key + "' is not one");
    sparse.prometheus.emplace_back(static_cast<std::uint8_t>(*index), value.get<std::uint64_t>());
    in_prometheus += value.get<std::uint64_t>();
  }
  const std::uint64_t count = count_at(sketch, "count");
  if (in_buckets != count || in_prometheus != count) return bad(where, "the buckets do not add up to its count");
  sparse.sum_ns = DelayHistogram::Sparse::to_ns(number_at(sketch, "sum"));
  sparse.min = number_at(sketch, "min");
  sparse.max = number_at(sketch, "max");
  return DelayHistogram::from_sparse(sparse);
}

// A report's (or a series interval's) rfc6076 object and delay_sketches back as the figures block.
Expected<Rfc6076Report> rfc6076_from_json(const Json& rfc, const Json* sketches, const std::string& where) {
  Rfc6076Report r;
  SessionCounts& s = r.sessions;
  s.attempts = count_at(rfc, "session_attempts");
  s.established = count_at(rfc, "sessions_established");
  s.redirected = count_at(rfc, "sessions_redirected");
  s.effective = count_at(rfc, "sessions_effective");
  s.ineffective = count_at(rfc, "sessions_ineffective");
  s.completed = count_at(rfc, "sessions_completed");
  s.cancelled = count_at(rfc, "sessions_cancelled");
  s.failed = count_at(rfc, "sessions_failed");
  s.timeouts = count_at(rfc, "timeouts");
  s.pending = count_at(rfc, "pending");
  if (const auto closed = rfc.find("closed"); closed != rfc.end()) {
    for (std::size_t i = 0; i < kClosedOutcomes; ++i)
      s.closed.by_outcome[i] = count_at(*closed, closed_outcome_name(static_cast<ClosedOutcome>(i)));
  }
  RegistrationCounts& g = r.registrations;
  g.attempts = count_at(rfc, "registration_attempts");
  g.succeeded = count_at(rfc, "registrations_succeeded");
  g.ineffective = count_at(rfc, "registrations_ineffective");
  g.timeouts = count_at(rfc, "registration_timeouts");
  g.pending = count_at(rfc, "registrations_pending");
  r.sdd_timeouts = count_at(rfc, "sdd_timeouts");
  for (const char* name : kDelayNames) {
    const auto shown = rfc.find(name);
    if (shown == rfc.end() || count_at(*shown, "count") == 0) continue;
    const Json* sketch = nullptr;
    if (sketches != nullptr && sketches->is_object()) {
      if (const auto it = sketches->find(name); it != sketches->end()) sketch = &*it;
    }
    if (sketch == nullptr)
      return bad(where, std::string("rfc6076.") + name +
                            " has no delay_sketches entry (a report of an older sipmon: replay its files again)");
    auto delay = delay_from_json(*sketch, where + ": delay_sketches." + name);
    if (!delay) return tl::unexpected(delay.error());
    if (delay->count() != count_at(*shown, "count"))
      return bad(where, std::string("delay_sketches.") + name + " does not hold rfc6076." + name + "'s count");
    delay_of(r, name) = *delay;
  }
  return r;
}

Json rounded(double value) { return std::isfinite(value) ? Json(std::round(value * 1e6) / 1e6) : Json(nullptr); }

// Statistics over media streams (json_report.cpp, statistics): over a capped sample, so not
// mergeable exactly. Counts add, extremes are the extremes, the mean is weighted by the counts;
// percentiles are kept only when a single shard has streams.
void merge_statistics(Json& into, const Json& from) {
  const std::uint64_t a = count_at(into, "count"), b = count_at(from, "count");
  if (b == 0) return;
  if (a == 0) {
    into = from;
    return;
  }
  const double mean =
      (number_at(into, "mean") * static_cast<double>(a) + number_at(from, "mean") * static_cast<double>(b)) /
      static_cast<double>(a + b);
  Json merged{{"count", a + b},
              {"mean", rounded(mean)},
              {"min", rounded(std::min(number_at(into, "min"), number_at(from, "min")))},
              {"p50", nullptr},
              {"p90", nullptr},
              {"p99", nullptr},
              {"max", rounded(std::max(number_at(into, "max"), number_at(from, "max")))}};
  into = merged;
}

bool is_statistics(const std::string& path) {
  return path == "media.jitter_ms" || path == "media.mos" || path == "media.start_delay_ms";
}

// Everything but the figures blocks, the series and the delays: counts add, lists of files join,
// the capture's time span widens. `path` is the dotted path of `into`.
Expected<void> merge_json(Json& into, const Json& from, const std::string& path, const std::string& name) {
  if (from.is_null()) return {};
  if (into.is_null()) {
    into = from;
    return {};
  }
  if (is_statistics(path)) {
    merge_statistics(into, from);
    return {};
  }
  if (into.is_object() && from.is_object()) {
    for (const auto& [key, value] : from.items()) {
      const std::string child = path.empty() ? key : path + "." + key;
      const auto it = into.find(key);
      if (it == into.end()) {
        into[key] = value;
        continue;
      }
      if (auto merged = merge_json(*it, value, child, name); !merged) return merged;
    }
    return {};
  }
  if (path == "capture.first_ts" && into.is_string() && from.is_string()) {
    if (from.get<std::string>() < into.get<std::string>()) into = from;
    return {};
  }
  if (path == "capture.last_ts" && into.is_string() && from.is_string()) {
    if (from.get<std::string>() > into.get<std::string>()) into = from;
    return {};
  }
  if (into.is_array() && from.is_array()) {
    for (const Json& item : from) {
      // Interface names: each once; files and read errors: all of them, in the order given.
      if (path == "capture.interfaces" && std::find(into.begin(), into.end(), item) != into.end()) continue;
      into.push_back(item);
    }
    return {};
  }
  if (into.is_number_unsigned() && from.is_number_unsigned()) {
    into = into.get<std::uint64_t>() + from.get<std::uint64_t>();
    return {};
  }
  if (into.is_number_integer() && from.is_number_integer()) {
    into = into.get<std::int64_t>() + from.get<std::int64_t>();
    return {};
  }
  if (into == from) return {};
  return bad(name, "'" + path + "' differs from the reports before it and cannot be combined");
}

// The keys that are not summed: taken from the first report once all agree (checked first), or
// computed again from the merged counts.
bool handled_apart(const std::string& key) {
  return key == "schema_version" || key == "sipmon_version" || key == "timers" || key == "series_interval_s" ||
         key == "rfc6076" || key == "delay_sketches" || key == "series" || key == "peers";
}

Expected<void> same(const Json& first, const MergeInput& input, const char* key, const std::string& first_name,
                    const std::string& what) {
  const auto a = first.find(key);
  const auto b = input.report.find(key);
  const Json none;
  const Json& va = a == first.end() ? none : *a;
  const Json& vb = b == input.report.end() ? none : *b;
  if (va == vb) return {};
  return make_error(ErrorKind::input, "cannot merge " + input.name + " with " + first_name + ": " + what + " differ (" +
                                          (va.is_null() ? "none" : va.dump()) + " vs " +
                                          (vb.is_null() ? "none" : vb.dump()) + ")");
}

struct SeriesSlot {
  Json item;
  Rfc6076Report figures;
  std::map<std::string, Rfc6076Report> peers;  // --peers: the peers listed in the interval, by name
};

// peers.NAME: the wire counts and dialogs add up like the rest; the figures block apart.
struct PeerSlot {
  Json object = Json::object();
  std::optional<Rfc6076Report> figures;
};

// The pending gauges (sessions, registrations) a shard reported, by interval start, for the top
// level ("") and each peer. A shard with no interval at a start (no packet of its own then), or
// that left a peer out (nothing moved for it), still holds the undecided attempts of its last
// listed interval: a merged interval's pending is the sum of every shard's as of its start.
using PendingTimeline = std::map<std::string, std::map<std::string, std::pair<std::uint64_t, std::uint64_t>>>;

std::pair<std::uint64_t, std::uint64_t> pending_as_of(const std::vector<PendingTimeline>& shards,
                                                      const std::string& who, const std::string& start) {
  std::pair<std::uint64_t, std::uint64_t> sum{0, 0};
  for (const PendingTimeline& shard : shards) {
    const auto timeline = shard.find(who);
    if (timeline == shard.end()) continue;
    auto at = timeline->second.upper_bound(start);
    if (at == timeline->second.begin()) continue;  // nothing of it before this interval
    --at;
    sum.first += at->second.first;
    sum.second += at->second.second;
  }
  return sum;
}

void set_pending(Rfc6076Report& figures, std::pair<std::uint64_t, std::uint64_t> pending) {
  figures.sessions.pending = pending.first;
  figures.registrations.pending = pending.second;
}

Expected<Rfc6076Report> figures_of(const Json& holder, const std::string& where) {
  const auto rfc = holder.find("rfc6076");
  const auto sketches = holder.find("delay_sketches");
  return rfc6076_from_json(rfc == holder.end() ? Json::object() : *rfc, sketches == holder.end() ? nullptr : &*sketches,
                           where);
}

// One shard's peers object into the merged peers.
Expected<void> merge_peers(std::map<std::string, PeerSlot>& into, const Json& peers, const std::string& name) {
  if (!peers.is_object()) return bad(name, "peers is not an object");
  for (const auto& [peer, value] : peers.items()) {
    if (!value.is_object()) return bad(name, "peers." + peer + " is not an object");
    PeerSlot& slot = into[peer];
    for (const auto& [key, part] : value.items()) {
      if (!slot.object.contains(key)) slot.object[key] = nullptr;  // keeps the report's key order
      if (key == "rfc6076" || key == "delay_sketches") continue;
      if (auto ok = merge_json(slot.object[key], part, "peers." + peer + "." + key, name); !ok) return ok;
    }
    if (!value.contains("rfc6076")) continue;
    auto block = figures_of(value, name + ": peers." + peer);
    if (!block) return tl::unexpected(block.error());
    if (!slot.figures) slot.figures.emplace();
    add_rfc6076(*slot.figures, *block, PendingRule::sum);
  }
  return {};
}

}  // namespace

Expected<Json> merge_reports(const std::vector<MergeInput>& inputs) {
  if (inputs.empty()) return make_error(ErrorKind::usage, "no report to merge");
  for (const MergeInput& input : inputs) {
    if (!input.report.is_object() || !input.report.contains("schema_version") || !input.report.contains("capture"))
      return bad(input.name, "not a sipmon JSON report");
  }
  const MergeInput& first = inputs.front();
  for (const MergeInput& input : inputs) {
    if (auto ok = same(first.report, input, "schema_version", first.name, "the report schema versions"); !ok)
      return tl::unexpected(ok.error());
    if (auto ok = same(first.report, input, "sipmon_version", first.name,
                       "the sipmon versions (replay every file with one sipmon)");
        !ok)
      return tl::unexpected(ok.error());
    if (auto ok = same(first.report, input, "timers", first.name,
                       "the timers (--timer-b, --invite-timeout, --timer-f: outcomes would mean different things)");
        !ok)
      return tl::unexpected(ok.error());
    if (auto ok = same(first.report, input, "series_interval_s", first.name, "the --interval series"); !ok)
      return tl::unexpected(ok.error());
  }

  Json merged = Json::object();
  std::optional<Rfc6076Report> figures;
  std::map<std::string, SeriesSlot> series;
  std::map<std::string, PeerSlot> peers;
  std::vector<PendingTimeline> pending(inputs.size());
  const double interval_s = number_at(first.report, "series_interval_s");
  for (std::size_t shard = 0; shard < inputs.size(); ++shard) {
    const MergeInput& input = inputs[shard];
    for (const auto& [key, value] : input.report.items()) {
      if (handled_apart(key)) {
        if (!merged.contains(key)) merged[key] = nullptr;  // keeps the report's key order
        continue;
      }
      if (auto ok = merge_json(merged[key], value, key, input.name); !ok) return tl::unexpected(ok.error());
    }
    if (const auto rfc = input.report.find("rfc6076"); rfc != input.report.end()) {
      const auto sketches = input.report.find("delay_sketches");
      auto block = rfc6076_from_json(*rfc, sketches == input.report.end() ? nullptr : &*sketches, input.name);
      if (!block) return tl::unexpected(block.error());
      if (!figures) figures.emplace();
      add_rfc6076(*figures, *block, PendingRule::sum);  // shards: their undecided attempts add up
    }
    if (const auto shard_peers = input.report.find("peers"); shard_peers != input.report.end()) {
      if (auto ok = merge_peers(peers, *shard_peers, input.name); !ok) return tl::unexpected(ok.error());
    }
    const auto items = input.report.find("series");
    if (items == input.report.end()) continue;
    if (!items->is_array()) return bad(input.name, "series is not a list");
    for (std::size_t i = 0; i < items->size(); ++i) {
      const Json& item = (*items)[i];
      const std::string where = input.name + ": series." + std::to_string(i);
      if (!item.is_object() || !item.contains("start") || !item["start"].is_string()) return bad(where, "no start");
      auto block = figures_of(item, where);
      if (!block) return tl::unexpected(block.error());
      const std::string start = item["start"].get<std::string>();
      auto [slot, added] = series.try_emplace(start);
      add_rfc6076(slot->second.figures, *block, PendingRule::sum);
      pending[shard][""][start] = {block->sessions.pending, block->registrations.pending};
      if (const auto item_peers = item.find("peers"); item_peers != item.end()) {
        if (!item_peers->is_object()) return bad(where, "peers is not an object");
        for (const auto& [peer, value] : item_peers->items()) {
          auto peer_block = figures_of(value, where + ": peers." + peer);
          if (!peer_block) return tl::unexpected(peer_block.error());
          add_rfc6076(slot->second.peers[peer], *peer_block, PendingRule::sum);
          pending[shard][peer][start] = {peer_block->sessions.pending, peer_block->registrations.pending};
        }
      }
      for (const auto& [key, value] : item.items()) {
        if (key == "rfc6076" || key == "delay_sketches" || key == "attempts_per_s" || key == "peers") {
          if (!slot->second.item.contains(key)) slot->second.item[key] = nullptr;
          continue;
        }
        if (!slot->second.item.contains(key)) slot->second.item[key] = nullptr;
        // calls_active_max adds up too: the shards' dialogs are different ones (docs/report.md).
        if (auto ok = merge_json(slot->second.item[key], value, "series." + key, where); !ok)
          return tl::unexpected(ok.error());
      }
    }
  }

  for (const MergeInput& input : inputs) {
    for (const char* key : {"schema_version", "sipmon_version", "timers", "series_interval_s"}) {
      if (const auto it = input.report.find(key); it != input.report.end() && merged[key].is_null()) merged[key] = *it;
    }
  }
  if (figures) {
    merged["rfc6076"] = rfc6076_to_json(*figures);
    merged["delay_sketches"] = delay_sketches_to_json(*figures);
  }
  if (!peers.empty()) {
    Json object = Json::object();
    for (auto& [name, slot] : peers) {  // by name, as a replay's
      if (slot.figures) {
        slot.object["rfc6076"] = rfc6076_to_json(*slot.figures);
        slot.object["delay_sketches"] = delay_sketches_to_json(*slot.figures);
      }
      for (auto it = slot.object.begin(); it != slot.object.end();) it = it->is_null() ? slot.object.erase(it) : ++it;
      object[name] = std::move(slot.object);
    }
    merged["peers"] = std::move(object);
  }
  if (merged.contains("media") && merged["media"].is_object()) {
    Json& media = merged["media"];
    const std::uint64_t expected = count_at(media, "expected");
    const double lost = media.contains("lost") && media["lost"].is_number() ? media["lost"].get<double>() : 0;
    media["loss_pct"] =
        expected == 0 ? Json(nullptr) : rounded(std::max(0.0, 100.0 * lost / static_cast<double>(expected)));
  }
  if (merged.contains("series")) {
    Json items = Json::array();
    for (auto& [start, slot] : series) {  // RFC 3339 UTC of one format: text order is time order
      Json& item = slot.item;
      set_pending(slot.figures, pending_as_of(pending, "", start));
      item["rfc6076"] = rfc6076_to_json(slot.figures);
      item["attempts_per_s"] =
          interval_s > 0 ? rounded(static_cast<double>(slot.figures.sessions.attempts) / interval_s) : Json(nullptr);
      item["delay_sketches"] = delay_sketches_to_json(slot.figures);
      if (item.contains("peers")) {
        Json by_peer = Json::object();
        for (auto& [name, peer_figures] : slot.peers) {  // std::map: by name, as a replay's
          set_pending(peer_figures, pending_as_of(pending, name, start));
          by_peer[name] = Json{{"rfc6076", rfc6076_to_json(peer_figures)},
                               {"delay_sketches", delay_sketches_to_json(peer_figures)}};
        }
        item["peers"] = std::move(by_peer);
      }
      items.push_back(std::move(item));
    }
    merged["series"] = std::move(items);
  }
  // Keys no input had a value for (a handled key present in none) are left out.
  for (auto it = merged.begin(); it != merged.end();) {
    if (it->is_null() && it.key() != "series_interval_s") {
      it = merged.erase(it);
    } else {
      ++it;
    }
  }
  return merged;
}

}  // namespace sipmon
