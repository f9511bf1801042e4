#include "cli/check_command.h"

#include <iostream>
#include <optional>

#include "check/check_table.h"
#include "check/junit_writer.h"
#include "check/report_compare.h"
#include "check/thresholds.h"
#include "cli/exit_codes.h"
#include "outputs/atomic_file.h"
#include "outputs/html_report.h"
#include "outputs/json_report.h"

namespace sipmon {
namespace {

int input_error(const Error& error) {
  std::cerr << "sipmon: " << error.message << "\n";
  return kExitUsage;
}

// The report under test: a stored one (--report) or the replay of the captures, rendered and read
// back exactly as `replay --json` writes it, so both go through the same comparison. With --html
// the replay also feeds `html` its call records, and `replayed` keeps the report for the page.
Expected<ReportDocument> current_report(const CheckOptions& options, HtmlCalls* html, std::optional<Report>& replayed) {
  if (!options.report.empty()) {
    auto document = load_report_document(options.report);
    if (document && document->schema_version != Report::kSchemaVersion) {
      return make_error(ErrorKind::input, options.report + ": schema_version " +
                                              std::to_string(document->schema_version) + ", but this sipmon reads " +
                                              std::to_string(Report::kSchemaVersion));
    }
    return document;
  }
  ReplayInputOptions input = options.input;
  if (html != nullptr) {
    input.call_records = html;
    html->configure_recorder(input.recorder);
  }
  Expected<Report> report = replay_captures(input, std::cerr);
  if (!report) return tl::unexpected(report.error());
  auto document = parse_report_document(render_json_report(*report), "the current traffic");
  if (html != nullptr) replayed = std::move(*report);
  return document;
}

}  // namespace

CLI::App* add_check_command(CLI::App& app, CheckOptions& options) {
  CLI::App* check = app.add_subcommand("check", "Replay captures and gate on a baseline report or thresholds");
  CLI::Option* files = check->add_option("FILE", options.input.files, "Capture files (pcap or pcapng), as for 'replay'")
                           ->check(capture_file_validator());
  check
      ->add_option("--report", options.report,
                   "Check this stored JSON report (from 'replay --json') instead of replaying captures")
      ->excludes(files);
  check->add_option("--baseline", options.baseline, "Baseline report (from 'replay --json') to compare with");
  check
      ->add_option("--expect", options.expects,
                   "Threshold 'PATH OP VALUE', OP one of >= <= > < == != (repeatable), e.g. 'rfc6076.ser>=95'")
      ->allow_extra_args(false);  // one value per flag: a capture named after it stays a capture
  check
      ->add_option("--tolerance", options.tolerances,
                   "Relative tolerance for ratios and delays: 0.1 for all (default 0.05), or PATH=0.05 for one "
                   "path or section; PATH=+5ms or PATH=+0.5 is absolute, in the figure's unit (repeatable)")
      ->allow_extra_args(false);
  check->add_option("--ignore", options.ignores, "Leave this figure or section out of the comparison (repeatable)")
      ->allow_extra_args(false);
  check->add_flag("--strict", options.strict, "Fail on improvements and new figures too");
  check->add_flag("--update-baseline", options.update_baseline,
                  "Write the current report to the --baseline file instead of comparing");
  check->add_option("--junit", options.junit, "Write a JUnit XML report to this file");
  check->add_flag("-v,--verbose", options.verbose, "List every figure, not only those that differ");
  add_html_options(*check, options.html);
  add_replay_input_options(*check, options.input);
  check->footer(
      "Examples:\n"
      "  sipmon replay capture.pcap --json > base.json            # record a baseline\n"
      "  sipmon check capture.pcap --baseline base.json           # 0 pass, 1 regression, 2 error\n"
      "  sipmon check capture.pcap --expect 'rfc6076.ser>=95' --expect 'responses.503==0'\n"
      "  sipmon check --report new.json --baseline base.json --tolerance rfc6076.srd=0.2 --junit check.xml\n"
      "  sipmon check run.pcap --baseline base.json --tolerance rfc6076.srd=+5ms   # absolute: loopback delays\n"
      "  sipmon check run.pcap --baseline base.json --html check.html   # the report page, the verdict on top\n"
      "See docs/ci.md.");
  return check;
}

namespace {

// What the command line asks for, validated: thresholds parsed, tolerances and ignores applied.
struct CheckPlan {
  std::vector<Threshold> thresholds;
  CompareOptions compare;
};

// Everything the command line can get wrong is reported before any capture is read.
Expected<CheckPlan> plan_check(const CheckOptions& options) {
  if (options.input.files.empty() && options.report.empty()) {
    return make_error(ErrorKind::usage, "check: give capture files to replay, or --report REPORT.json");
  }
  if (!options.report.empty() && !options.input.ports.empty()) {
    return make_error(ErrorKind::usage, "check: --ports applies to replayed captures, not to a stored --report");
  }
  if (!options.report.empty() && !options.input.tables.defaults()) {
    return make_error(ErrorKind::usage,
                      "check: table caps (--max-dialogs, ...) apply to replayed captures, not to a stored --report");
  }
  if (options.baseline.empty() && options.expects.empty()) {
    return make_error(ErrorKind::usage,
                      "check: nothing to check: give --baseline REPORT.json and/or --expect 'PATH OP VALUE'");
  }
  if (options.html.enabled() && !options.report.empty()) {
    return make_error(
        ErrorKind::usage,
        "check: --html draws the replay of captures (its call records); it cannot draw a stored --report");
  }
  if (options.update_baseline && options.baseline.empty()) {
    return make_error(ErrorKind::usage, "check: --update-baseline needs --baseline FILE to write");
  }
  CheckPlan plan;
  plan.compare.strict = options.strict;
  for (const std::string& spec : options.expects) {
    auto threshold = parse_threshold(spec);
    if (!threshold) return tl::unexpected(threshold.error());
    plan.thresholds.push_back(std::move(*threshold));
  }
  for (const std::string& spec : options.tolerances) {
    if (auto added = add_tolerance_spec(plan.compare, spec); !added) return tl::unexpected(added.error());
  }
  for (const std::string& spec : options.ignores) {
    if (auto added = add_ignore_spec(plan.compare, spec); !added) return tl::unexpected(added.error());
  }
  return plan;
}

// `check --html`: the check's verdict and table, as the HTML report shows them on top.
nlohmann::ordered_json check_section(const CheckOutcome& outcome, bool verbose) {
  nlohmann::ordered_json figures = nlohmann::ordered_json::array();
  for (const CheckTableRow& row : check_table_rows(outcome, verbose)) {
    figures.push_back({{"path", row.path},
                       {"baseline", row.baseline},
                       {"current", row.now},
                       {"allowed", row.allowed},
                       {"verdict", row.verdict}});
  }
  return {{"passed", outcome.passed()}, {"figures", std::move(figures)}};
}

// Prints the verdict, writes the JUnit file, and picks the exit code.
int report_outcome(const CheckOutcome& outcome, const CheckOptions& options) {
  // A bare --update-baseline checked nothing: a summary of zero figures would only be noise.
  if (outcome.comparison || !outcome.thresholds.empty()) {
    std::cout << render_check_table(outcome, options.verbose) << render_check_summary(outcome) << std::flush;
  }
  int status = outcome.passed() ? kExitOk : kExitCheckFailed;
  if (!options.junit.empty()) {
    if (auto written = write_file_atomically(options.junit, render_junit(outcome)); !written) {
      status = input_error(written.error());
    }
  }
  // A threshold on a path that names no figure is a mistake in the job, never a pass or a fail.
  for (const ThresholdResult& result : outcome.thresholds) {
    if (result.outcome != ThresholdOutcome::error) continue;
    std::cerr << "sipmon: --expect '" << result.threshold.text() << "': " << result.message << "\n";
    status = kExitUsage;
  }
  return status;
}

}  // namespace

int run_check(const CheckOptions& options) {
  auto plan = plan_check(options);
  if (!plan) return input_error(plan.error());
  // Output paths too: a JUnit file that cannot be written should not wait for a long replay.
  if (!options.junit.empty()) {
    if (auto writable = check_output_path("--junit", options.junit); !writable) return input_error(writable.error());
  }
  if (options.update_baseline) {
    if (auto writable = check_output_path("--baseline", options.baseline); !writable)
      return input_error(writable.error());
  }

  // The baseline is read first: a wrong path should not wait for a long replay to be reported.
  std::optional<ReportDocument> baseline;
  if (!options.baseline.empty() && !options.update_baseline) {
    auto loaded = load_report_document(options.baseline);
    if (!loaded) return input_error(loaded.error());
    baseline = std::move(*loaded);
  }
  auto html_config = html_calls_config(options.html);
  if (!html_config) return input_error(html_config.error());
  if (options.html.enabled()) {
    if (auto writable = check_output_path("--html", options.html.path); !writable) return input_error(writable.error());
  }
  HtmlCalls html(*html_config);
  std::optional<Report> replayed;
  auto current = current_report(options, options.html.enabled() ? &html : nullptr, replayed);
  if (!current) return input_error(current.error());

  CheckOutcome outcome;
  outcome.baseline_name = options.baseline;
  outcome.strict = options.strict;
  if (options.update_baseline) {
    if (auto written = write_file_atomically(options.baseline, current->text); !written)
      return input_error(written.error());
    std::cerr << "sipmon: baseline " << options.baseline << " written from " << current->name
              << "; no comparison made\n";
  } else if (baseline) {
    auto comparison = compare_reports(*baseline, *current, plan->compare);
    if (!comparison) return input_error(comparison.error());
    outcome.comparison = std::move(*comparison);
  }
  for (const Threshold& threshold : plan->thresholds)
    outcome.thresholds.push_back(evaluate_threshold(threshold, *current));
  int status = report_outcome(outcome, options);
  if (replayed) {
    auto written = write_file_atomically(options.html.path,
                                         render_html_report(*replayed, html, check_section(outcome, options.verbose)));
    if (!written) {
      std::cerr << "sipmon: " << written.error().message << "\n";
      if (status == kExitOk || status == kExitCheckFailed) status = kExitOutputFailed;
    }
  }
  return status;
}

}  // namespace sipmon
