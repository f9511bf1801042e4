#include "outputs/html_report.h"

#include "analysis/time_format.h"
#include "outputs/call_record_writer.h"
#include "outputs/html_assets.h"
#include "outputs/json_report.h"

namespace sipmon {
namespace {

using Json = nlohmann::ordered_json;

// JSON inside <script type="application/json">: the only way out of a script element is "</";
// JSON has "<" only inside strings, where \u003c means the same character.
std::string script_safe(const std::string& json) {
  std::string out;
  out.reserve(json.size() + json.size() / 16);
  for (const char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json histogram_json(const SpanHistogram& h) { return Json{{"upper_s", h.upper_s}, {"counts", h.counts}}; }

Json timeline_json(const HtmlTimeline& timeline) {
  if (timeline.empty()) return nullptr;
  Json series = Json::array();
  for (std::size_t s = 0; s < timeline.series_names().size(); ++s) {
    const auto& bins = timeline.series(s);
    Json started;
    for (std::size_t k = 0; k < kCallOutcomeCount; ++k) {
      Json counts = Json::array();
      for (const TimelineBin& bin : bins) counts.push_back(bin.started[k]);
      started[call_outcome_name(static_cast<CallOutcome>(k))] = std::move(counts);
    }
    Json answered = Json::array();
    Json ended = Json::array();
    for (const TimelineBin& bin : bins) {
      answered.push_back(bin.answered);
      ended.push_back(bin.ended);
    }
    series.push_back(Json{{"name", timeline.series_names()[s]},
                          {"started", std::move(started)},
                          {"answered", std::move(answered)},
                          {"ended", std::move(ended)}});
  }
  return Json{{"origin", format_rfc3339_us(timeline.origin_ns())},
              {"width_s", static_cast<double>(timeline.width_ns()) / 1e9},
              {"series", std::move(series)}};
}

std::string calls_array(const std::vector<std::string>& rows) {
  std::string out = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i) out += ",\n";
    out += rows[i];
  }
  return out + "]";
}

}  // namespace

bool is_failed_outcome(CallOutcome outcome) {
  return outcome == CallOutcome::failed || outcome == CallOutcome::ineffective || outcome == CallOutcome::timeout;
}

void HtmlCalls::configure_recorder(CallRecorderConfig& recorder) const {
  recorder.messages = true;
  if (config_.all) {
    recorder.raw_calls = SIZE_MAX;
    recorder.raw_outcomes = 0xffffffffu;
    return;
  }
  recorder.raw_calls = config_.ladders;
  recorder.raw_outcomes = 0;
  for (std::size_t k = 0; k < kCallOutcomeCount; ++k) {
    if (is_failed_outcome(static_cast<CallOutcome>(k))) recorder.raw_outcomes |= 1u << k;
  }
}

std::string HtmlCalls::render_row(const CallRecord& record, bool ladder) {
  if (!ladder) {
    CallRecord row = record;
    row.messages_enabled = false;
    row.message_texts = {};
    return render_call_record(row);
  }
  std::size_t raw = 0;
  for (const CallMessageText& t : record.message_texts) raw += t.text.size();
  if (config_.all || raw == 0 || raw_bytes_ + raw <= kRawTextBudgetBytes) {
    raw_bytes_ += raw;
    return render_call_record(record);
  }
  ++raw_omitted_;
  CallRecord row = record;
  row.message_texts = {};
  return render_call_record(row);
}

void HtmlCalls::on_call_record(const CallRecord& record) {
  ++records_;
  timeline_.add(record);
  if (record.srd_ns >= 0) srd_.add(static_cast<double>(record.srd_ns) / 1e9);
  if (record.duration_ns >= 0) sdt_.add(static_cast<double>(record.duration_ns) / 1e9);
  const bool failed = is_failed_outcome(record.outcome);
  if (failed) ++failed_;
  if (config_.all) {
    if (row_bytes_ < kAllCallsBudgetBytes) {
      rows_.push_back(render_row(record, true));
      row_bytes_ += rows_.back().size();
      if (record.messages_enabled) ++ladders_;
    } else {
      ++rows_omitted_;
    }
  } else if (failed) {
    if (rows_.size() < kMaxFailedRows) {
      // The first `ladders` failed calls keep their messages; the others are table rows only.
      if (ladders_ < config_.ladders || !record.messages_enabled) {
        rows_.push_back(render_row(record, record.messages_enabled));
        if (record.messages_enabled) ++ladders_;
      } else {
        rows_.push_back(render_row(record, false));
      }
    } else {
      ++rows_omitted_;
    }
  }
  if (next_ == nullptr) return;
  // The --calls file never carries raw text (docs/calls.md), and its messages only with
  // --calls-messages.
  CallRecord forwarded = record;
  forwarded.message_texts = {};
  if (!forward_messages_) forwarded.messages_enabled = false;
  next_->on_call_record(forwarded);
}

std::string render_html_report(const Report& report, const HtmlCalls& calls, const Json& check) {
  Json view;
  view["html_calls"] = calls.config().all ? Json("all") : Json(calls.config().ladders);
  view["records"] = calls.records();
  view["failed_calls"] = calls.failed();
  view["calls_shown"] = calls.rows().size();
  view["calls_omitted"] = calls.rows_omitted();
  view["ladders"] = calls.ladders();
  view["raw_text_bytes"] = calls.raw_bytes();
  view["raw_text_omitted"] = calls.raw_omitted();
  view["raw_message_cap"] = kMaxRawMessageBytes;
  view["timeline"] = timeline_json(calls.timeline());
  view["srd_histogram"] = histogram_json(calls.srd());
  view["sdt_histogram"] = histogram_json(calls.sdt());
  view["check"] = check;

  std::string page;
  page.reserve(kHtmlReportCss.size() + kHtmlReportJs.size() + 4096);
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // The page reaches nothing outside itself, whatever a string in the data says.
  page +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "script-src 'unsafe-inline'; img-src data:\">\n";
  page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  page += "<title>sipmon report</title>\n<style>\n";
  page += kHtmlReportCss;
  page += "</style>\n</head>\n<body>\n";
  page +=
      "<noscript>This report draws itself with JavaScript; the figures are in the JSON blocks of the page "
      "source.</noscript>\n<main id=\"page\"></main>\n";
  page += "<script type=\"application/json\" id=\"sipmon-report\">";
  page += script_safe(render_json_report(report));
  page += "</script>\n<script type=\"application/json\" id=\"sipmon-view\">";
  page += script_safe(dump(view));
  page += "</script>\n<script type=\"application/json\" id=\"sipmon-calls\">";
  page += script_safe(calls_array(calls.rows()));
  page += "</script>\n<script>\n";
  page += kHtmlReportJs;
  page += "</script>\n</body>\n</html>\n";
  return page;
}

}  // namespace sipmon
