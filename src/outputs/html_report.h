#pragma once
// The HTML report (docs/html.md): one self-contained page for a person — the headline figures,
// charts over time, delay histograms, response codes, per-peer lines, media quality, and the
// failed calls with their message ladders. Built from the same Report and call records as the
// JSON (no second analysis): HtmlCalls is a CallRecordSink that keeps, bounded, what the page
// shows; render_html_report writes the page with the data embedded as JSON and drawn by inline
// script. Strings from the wire reach the page only as JSON data and are drawn as text nodes:
// markup in a header shows as text and never runs.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/call_record.h"
#include "analysis/call_recorder.h"
#include "analysis/report.h"
#include "outputs/html_timeline.h"

namespace sipmon {

struct HtmlCallsConfig {
  static constexpr std::size_t kDefaultLadders = 50;
  std::size_t ladders = kDefaultLadders;  // failed calls shown with their ladder
  bool all = false;                       // --html-calls all: every call, each with its ladder
};

class HtmlCalls final : public CallRecordSink {
 public:
  // Failed calls listed in the table (the first kMaxFailedRows; later ones are counted).
  static constexpr std::size_t kMaxFailedRows = 1000;
  // --html-calls all: rendered records kept up to this many bytes; later calls are counted.
  static constexpr std::size_t kAllCallsBudgetBytes = std::size_t{64} << 20;
  // --html-calls N: raw message text on the page up to this many bytes (each message's cut at
  // kMaxRawMessageBytes); the ladders of later calls go without it. `all`: within the budget above.
  static constexpr std::size_t kRawTextBudgetBytes = std::size_t{2} << 20;

  // `next` gets every record, with its messages only when `forward_messages` (--calls-messages):
  // the page asks the recorder for messages, the --calls file keeps its own choice.
  explicit HtmlCalls(HtmlCallsConfig config, CallRecordSink* next = nullptr, bool forward_messages = false)
      : config_(config), next_(next), forward_messages_(forward_messages) {}
  void on_call_record(const CallRecord& record) override;
  // What the page asks of the recorder: the messages of every record, and the raw text of those
  // it will show with a ladder (the first N failed calls; with `all`, every call).
  void configure_recorder(CallRecorderConfig& recorder) const;

  const HtmlCallsConfig& config() const { return config_; }
  // The shown calls as rendered call records (docs/calls.md), in the order they closed.
  const std::vector<std::string>& rows() const { return rows_; }
  std::uint64_t records() const { return records_; }
  std::uint64_t failed() const { return failed_; }
  std::uint64_t rows_omitted() const { return rows_omitted_; }
  std::size_t ladders() const { return ladders_; }
  std::size_t raw_bytes() const { return raw_bytes_; }
  // Ladders shown without raw text because the page's raw text budget was spent.
  std::uint64_t raw_omitted() const { return raw_omitted_; }
  const HtmlTimeline& timeline() const { return timeline_; }
  const SpanHistogram& srd() const { return srd_; }
  const SpanHistogram& sdt() const { return sdt_; }

 private:
  // A listed call rendered; with its ladder (and raw text while the budget lasts) or without.
  std::string render_row(const CallRecord& record, bool ladder);
  HtmlCallsConfig config_;
  CallRecordSink* next_;
  bool forward_messages_;
  std::vector<std::string> rows_;
  std::size_t row_bytes_ = 0;
  std::size_t ladders_ = 0;
  std::size_t raw_bytes_ = 0;
  std::uint64_t raw_omitted_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t rows_omitted_ = 0;
  HtmlTimeline timeline_;
  SpanHistogram srd_ = SpanHistogram::srd();
  SpanHistogram sdt_ = SpanHistogram::sdt();
};

// The outcomes the page lists as failed: failed, ineffective and timeout (docs/metrics.md).
bool is_failed_outcome(CallOutcome outcome);

// The page. `check`, when not null, is `sipmon check`'s result shown on top:
// {"passed": bool, "figures": [{"path", "baseline", "current", "verdict"}...]}.
std::string render_html_report(const Report& report, const HtmlCalls& calls,
                               const nlohmann::ordered_json& check = nullptr);

}  // namespace sipmon
