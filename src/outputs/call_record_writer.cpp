#include "outputs/call_record_writer.h"

#include <arpa/inet.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "analysis/call_media.h"
#include "analysis/time_format.h"
#include "outputs/status_phrase.h"

namespace sipmon {
namespace {

using Json = nlohmann::ordered_json;

// "IP:port", IPv6 as "[addr]:port" (RFC 3986 §3.2.2).
std::string endpoint_text(const CallEndpoint& endpoint) {
  char name[INET6_ADDRSTRLEN] = {};
  const bool v6 = endpoint.address.family == 6;
  inet_ntop(v6 ? AF_INET6 : AF_INET, endpoint.address.bytes.data(), name, sizeof name);
  return (v6 ? "[" + std::string(name) + "]" : std::string(name)) + ":" + std::to_string(endpoint.port);
}

Json time_or_null(std::int64_t ts_ns) { return ts_ns == kNoTime ? Json(nullptr) : Json(format_rfc3339_us(ts_ns)); }

Json seconds_or_null(std::int64_t ns) { return ns < 0 ? Json(nullptr) : Json(static_cast<double>(ns) / 1e9); }

Json string_or_null(std::string_view value) { return value.empty() ? Json(nullptr) : Json(std::string(value)); }

const char* reason_protocol_name(std::uint8_t protocol) {
  return protocol == 1 ? "Q.850" : protocol == 2 ? "SIP" : "other";
}

// "INVITE", "180 Ringing", "200 OK (BYE)": what a ladder diagram writes on an arrow.
std::string summary(const CallMessage& message) {
  if (message.status_code == 0) return std::string(method_name(message.method));
  std::string text = std::to_string(message.status_code);
  const std::string_view phrase = standard_reason_phrase(message.status_code);
  if (!phrase.empty()) text += " " + std::string(phrase);
  if (message.method != Method::invite) text += " (" + std::string(method_name(message.method)) + ")";
  return text;
}

Json number_or_null(double value) { return value < 0 ? Json(nullptr) : Json(value); }

// One entry of a record's "media" (docs/calls.md): the figures of docs/media.md for one stream.
Json media_entry(const CallMediaStream& s) {
  Json j;
  j["direction"] = media_direction_name(s.direction);
  j["src"] = endpoint_text(s.src);
  j["dst"] = endpoint_text(s.dst);
  j["ssrc"] = s.ssrc;
  j["payload_type"] = s.payload_type == 0xff ? Json(nullptr) : Json(s.payload_type);
  j["codec"] = s.payload_type == 0xff ? Json(nullptr) : Json(std::string(codec_name(s.codec)));
  j["packets"] = s.packets;
  j["expected"] = s.expected;
  j["lost"] = s.lost;
  j["loss_pct"] =
      s.expected == 0 ? 0.0 : std::max(0.0, 100.0 * static_cast<double>(s.lost) / static_cast<double>(s.expected));
  j["duplicates"] = s.duplicates;
  j["out_of_order"] = s.late;
  j["loss_bursts"] = s.loss_bursts;
  j["burst_lost"] = s.burst_lost;
  j["largest_gap"] = s.largest_gap;
  j["jitter_mean_ms"] = s.jitter_mean_ms;
  j["jitter_max_ms"] = s.jitter_max_ms;
  j["first"] = format_rfc3339_us(s.first_ns);
  j["last"] = format_rfc3339_us(s.last_ns);
  j["dtmf_events"] = s.events;
  if (s.has_far_report || s.has_xr || s.rtt_ns >= 0) {
    j["rtcp"] = Json{
        {"fraction_lost", s.has_far_report ? Json(static_cast<double>(s.far_fraction_lost) / 256.0) : Json(nullptr)},
        {"cumulative_lost", s.has_far_report ? Json(s.far_cumulative_lost) : Json(nullptr)},
        {"jitter_ms", number_or_null(s.far_jitter_ms)},
        {"rtt_ms", s.rtt_ns < 0 ? Json(nullptr) : Json(static_cast<double>(s.rtt_ns) / 1e6)},
        {"xr_mos_cq", s.has_xr && s.xr_mos_cq != 127 ? Json(static_cast<double>(s.xr_mos_cq) / 10.0) : Json(nullptr)},
    };
  } else {
    j["rtcp"] = nullptr;
  }
  j["mos"] = number_or_null(s.mos);
  return j;
}

}  // namespace

std::string render_call_record(const CallRecord& r) {
  Json j;
  j["call_id"] = string_or_null(r.string(CallString::call_id));
  j["from"] = string_or_null(r.string(CallString::from));
  j["to"] = string_or_null(r.string(CallString::to));
  j["request_uri"] = string_or_null(r.string(CallString::request_uri));
  j["src"] = r.has_endpoints ? Json(endpoint_text(r.src)) : Json(nullptr);
  j["dst"] = r.has_endpoints ? Json(endpoint_text(r.dst)) : Json(nullptr);
  j["transport"] = call_transport_name(r.transport);
  j["start"] = time_or_null(r.start_ns);
  j["ringing"] = time_or_null(r.ringing_ns);
  j["answered"] = time_or_null(r.answered_ns);
  j["ended"] = time_or_null(r.ended_ns);
  j["outcome"] = call_outcome_name(r.outcome);
  j["completed"] = r.completed;
  j["final_code"] = r.final_code == 0 ? Json(nullptr) : Json(r.final_code);
  j["final_reason"] = r.final_code == 0 ? Json(nullptr) : string_or_null(r.string(CallString::final_reason));
  if (r.reason_protocol == 0) {
    j["reason"] = nullptr;
  } else {
    j["reason"] = Json{{"protocol", reason_protocol_name(r.reason_protocol)},
                       {"cause", r.reason_cause < 0 ? Json(nullptr) : Json(r.reason_cause)},
                       {"text", string_or_null(r.string(CallString::reason_text))}};
  }
  j["srd_s"] = seconds_or_null(r.srd_ns);
  j["duration_s"] = seconds_or_null(r.duration_ns);
  j["ended_by"] = r.ended_by == EndedBy::caller   ? Json("caller")
                  : r.ended_by == EndedBy::callee ? Json("callee")
                                                  : Json(nullptr);
  j["user_agent"] = string_or_null(r.string(CallString::user_agent));
  j["server"] = string_or_null(r.string(CallString::server));
  j["retransmissions"] = r.retransmissions;
  j["peer"] = string_or_null(r.peer);
  Json truncated = Json::array();
  for (std::size_t i = 0; i < kCallStringCount; ++i) {
    if (r.truncated(static_cast<CallString>(i))) truncated.push_back(call_string_name(static_cast<CallString>(i)));
  }
  j["truncated"] = std::move(truncated);
  j["record_evicted"] = r.record_evicted;
  Json media = Json::array();
  for (const CallMediaStream& stream : r.media) media.push_back(media_entry(stream));
  j["media"] = std::move(media);
  j["media_dropped"] = r.media_dropped;
  if (r.messages_enabled) {
    Json messages = Json::array();
    const bool raw = !r.message_texts.empty();
    for (std::size_t i = 0; i < r.messages.size(); ++i) {
      const CallMessage& m = r.messages[i];
      Json entry{{"time", format_rfc3339_us(m.ts_ns)},
                 {"src", endpoint_text(m.src)},
                 {"dst", endpoint_text(m.dst)},
                 {"summary", summary(m)},
                 {"retransmission", m.retransmission}};
      if (raw && i < r.message_texts.size()) {
        // The HTML report's records only (docs/calls.md): the message's bytes, cut and flagged.
        const CallMessageText& t = r.message_texts[i];
        entry["raw"] = t.kept ? Json(std::string(t.text)) : Json(nullptr);
        entry["raw_bytes"] = t.size;
        entry["raw_truncated"] = t.kept && t.text.size() < t.size;
      }
      messages.push_back(std::move(entry));
    }
    j["messages"] = std::move(messages);
    j["messages_truncated"] = r.messages_truncated;
  }
  // Header values are attacker-chosen bytes: invalid UTF-8 is replaced, never an exception.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void CallRecordWriter::on_call_record(const CallRecord& record) {
  *out_ << render_call_record(record) << '\n' << std::flush;
  ++written_;
}

}  // namespace sipmon
