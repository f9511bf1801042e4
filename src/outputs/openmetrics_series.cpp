#include "outputs/openmetrics_series.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <vector>

#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include "analysis/rfc6076_sum.h"
#include "analysis/series_report.h"
#include "outputs/prometheus_metrics.h"

namespace sipmon {
namespace {

void add_requests(RequestCounts& total, const RequestCounts& d) {
  for (std::size_t i = 0; i < kKnownMethodCount; ++i) total.standard[i] += d.standard[i];
  // Both carry the report's table of spellings: index i is the same method in both.
  for (std::size_t i = 0; i < d.extension_count; ++i) {
    if (i < total.extension_count) {
      total.extensions[i].count += d.extensions[i].count;
    } else {
      total.extensions[i] = d.extensions[i];
    }
  }
  total.extension_count = std::max(total.extension_count, d.extension_count);
  total.overflow += d.overflow;
}

void add_responses(ResponseCounts& total, const ResponseCounts& d) {
  for (std::size_t m = 0; m < d.by_method.size(); ++m) {
    StatusCounts& into = total.by_method[m];
    for (const StatusCount& c : d.by_method[m]) {
      auto at = std::lower_bound(into.begin(), into.end(), c.code,
                                 [](const StatusCount& s, std::uint16_t code) { return s.code < code; });
      if (at != into.end() && at->code == c.code) {
        at->count += c.count;
      } else {
        into.insert(at, c);
      }
    }
  }
}

// The families the series carries: wire counts and the RFC 6076 figures. The live registry's
// other families (packets, anomalies, build info) have no per-interval values here.
bool carried(const std::string& name) {
  for (const char* prefix : {"sipmon_sip_requests", "sipmon_sip_responses", "sipmon_session", "sipmon_sessions_",
                             "sipmon_registration", "sipmon_build_info"}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::string number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : "NaN";
}

std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string labels(const OpenMetricsLabels& target, const std::vector<prometheus::ClientMetric::Label>& label,
                   const std::string& extra = {}) {
  std::string out;
  for (const auto& [name, value] : target) out += (out.empty() ? "" : ",") + name + "=\"" + escaped(value) + "\"";
  for (const auto& l : label) out += (out.empty() ? "" : ",") + l.name + "=\"" + escaped(l.value) + "\"";
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? out : "{" + out + "}";
}

struct MetricFamily {
  std::string name;  // OpenMetrics family name: counters without _total
  std::string help;
  std::string type;
  std::vector<std::string> order;                    // label sets, in order of first sight
  std::map<std::string, std::string> points_by_set;  // label set -> its lines, in time order
};

}  // namespace

std::string render_openmetrics_series(const Report& report, const OpenMetricsLabels& target) {
  if (!report.series) return {};
  const SeriesReport& series = *report.series;
  PrometheusMetrics metrics;
  Report running;
  running.rfc6076.emplace();
  std::vector<MetricFamily> families;
  std::map<std::string, std::size_t> family_index;
  MetricFamily active{.name = "sipmon_dialogs_active_max",
                      .help =
                          "The most confirmed dialogs active at once in the interval that ends at the sample's time "
                          "(--interval series).",
                      .type = "gauge",
                      .order = {},
                      .points_by_set = {}};
  // --peers: every peer from the start, with nothing counted, as a live instance's first report
  // has them; the registry then labels the RFC 6076 families by peer and shows a listed peer's
  // series from its first attempt on, as live (prometheus_metrics.cpp, update_call_peers).
  std::vector<PeerCounts*> running_peers;
  for (const std::string& name : series.peer_names) {
    PeerCounts& peer = running.peers[name];
    peer.rfc6076.emplace();
    running_peers.push_back(&peer);
  }
  for (const SeriesInterval& item : series.intervals) {
    add_requests(running.requests, item.requests.expand(report.requests));
    add_responses(running.responses, item.responses);
    add_rfc6076(*running.rfc6076, item.rfc6076.expand(), PendingRule::latest);  // pending: a gauge
    for (const SeriesPeer& peer : item.peers) {
      if (peer.peer < running_peers.size())
        add_rfc6076(*running_peers[peer.peer]->rfc6076, peer.rfc6076.expand(), PendingRule::latest);
    }
    metrics.update(running);
    const std::string ts = " " + number(static_cast<double>(item.end_ns) / 1e9) + "\n";
    for (const prometheus::MetricFamily& mf : metrics.registry()->Collect()) {
      if (!carried(mf.name)) continue;
      auto [it, added] = family_index.emplace(mf.name, families.size());
      if (added) {
        MetricFamily f;
        f.help = mf.help;
        switch (mf.type) {
          case prometheus::MetricType::Counter:
            f.type = "counter";
            f.name =
                mf.name.size() > 6 && mf.name.ends_with("_total") ? mf.name.substr(0, mf.name.size() - 6) : mf.name;
            break;
          case prometheus::MetricType::Gauge:
            f.type = "gauge";
            f.name = mf.name;
            break;
          case prometheus::MetricType::Histogram:
            f.type = "histogram";
            f.name = mf.name;
            break;
          default:
            f.type = "unknown";
            f.name = mf.name;
        }
        families.push_back(std::move(f));
      }
      MetricFamily& f = families[it->second];
      for (const prometheus::ClientMetric& m : mf.metric) {
        const std::string set = labels(target, m.label);
        auto [points, first] = f.points_by_set.try_emplace(set);
        if (first) f.order.push_back(set);
        std::string& out = points->second;
        if (f.type == "counter") {
          out += f.name + "_total" + set + " " + number(m.counter.value) + ts;
        } else if (f.type == "gauge") {
          out += f.name + set + " " + number(m.gauge.value) + ts;
        } else if (f.type == "histogram") {
          for (const auto& b : m.histogram.bucket) {
            out += f.name + "_bucket" + labels(target, m.label, "le=\"" + number(b.upper_bound) + "\"") + " " +
                   std::to_string(b.cumulative_count) + ts;
          }
          out += f.name + "_count" + set + " " + std::to_string(m.histogram.sample_count) + ts;
          out += f.name + "_sum" + set + " " + number(m.histogram.sample_sum) + ts;
        }
      }
    }
    const std::string set = labels(target, {});
    auto [points, first] = active.points_by_set.try_emplace(set);
    if (first) active.order.push_back(set);
    points->second += active.name + set + " " + std::to_string(item.calls_active_max) + ts;
  }
  if (!series.intervals.empty()) families.push_back(std::move(active));
  std::string out;
  for (const MetricFamily& f : families) {
    out += "# TYPE " + f.name + " " + f.type + "\n";
    out += "# HELP " + f.name + " " + escaped(f.help) + "\n";
    for (const std::string& set : f.order) out += f.points_by_set.at(set);
  }
  out += "# EOF\n";
  return out;
}

}  // namespace sipmon
