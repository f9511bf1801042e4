#include "cli/merge_command.h"

#include <iostream>

#include "check/report_document.h"
#include "cli/exit_codes.h"
#include "outputs/atomic_file.h"
#include "outputs/report_merge.h"

namespace sipmon {
namespace {

std::string figure(const nlohmann::ordered_json& value) { return value.is_null() ? "-" : value.dump(); }

// Without --json: what was merged and the headline figures (the JSON holds everything).
std::string summary(const nlohmann::ordered_json& report, std::size_t inputs) {
  std::string out;
  auto line = [&out](const std::string& name, const std::string& text) {
    out += name + std::string(name.size() < 14 ? 14 - name.size() : 1, ' ') + text + "\n";
  };
  const auto& capture = report["capture"];
  line("merged", std::to_string(inputs) + " reports, " +
                     std::to_string(capture.value("files", nlohmann::ordered_json::array()).size()) + " files");
  line("time", figure(capture.value("first_ts", nlohmann::ordered_json())) + " .. " +
                   figure(capture.value("last_ts", nlohmann::ordered_json())));
  line("packets", figure(capture.value("packets", nlohmann::ordered_json())) + ", " +
                      figure(capture.value("sip_messages", nlohmann::ordered_json())) + " SIP messages");
  if (report.contains("rfc6076")) {
    const auto& r = report["rfc6076"];
    line("attempts", figure(r["session_attempts"]) + ": " + figure(r["sessions_established"]) + " established, " +
                         figure(r["sessions_failed"]) + " failed, " + figure(r["sessions_ineffective"]) +
                         " ineffective (" + figure(r["timeouts"]) + " timed out)");
    line("ratios", "SER " + figure(r["ser"]) + "%, SEER " + figure(r["seer"]) + "%, ISA " + figure(r["isa"]) +
                       "%, NER " + figure(r["ner"]) + "%");
    line("SRD", "p50 " + figure(r["srd"]["p50"]) + " s, p90 " + figure(r["srd"]["p90"]) + " s, max " +
                    figure(r["srd"]["max"]) + " s (" + figure(r["srd"]["count"]) + ")");
  }
  if (report.contains("series")) line("intervals", std::to_string(report["series"].size()));
  return out;
}

}  // namespace

CLI::App* add_merge_command(CLI::App& app, MergeOptions& options) {
  CLI::App* merge = app.add_subcommand(
      "merge", "Combine the JSON reports of shards (per-file replays) into the report of all of them");
  merge->add_option("reports", options.reports, "JSON reports written by `sipmon replay --json` or `--out`")
      ->required()
      ->check(CLI::ExistingFile);
  merge->add_flag("--json", options.json, "Print the merged JSON report on stdout instead of a summary");
  merge->add_option("--out", options.out, "Also write the merged JSON report to this file (atomically)");
  merge->footer(
      "Counts add up, ratios and percentiles are computed again from the merged counts and delay sketches:\n"
      "the result equals one replay of every file when no call spans two shards (docs/report.md,\n"
      "\"Merging reports\"). Reports of different sipmon versions, timers or --interval are refused.\n"
      "Examples:\n"
      "  ls *.pcap | parallel sipmon replay {} --out {.}.json && sipmon merge *.json --out day.json\n"
      "  sipmon merge shard-*.json --json");
  return merge;
}

int run_merge(const MergeOptions& options) {
  if (!options.out.empty()) {
    if (auto writable = check_output_path("--out", options.out); !writable) {
      std::cerr << "sipmon: " << writable.error().message << "\n";
      return kExitUsage;
    }
  }
  std::vector<MergeInput> inputs;
  for (const std::string& path : options.reports) {
    auto document = load_report_document(path);
    if (!document) {
      std::cerr << "sipmon: " << document.error().message << "\n";
      return kExitUsage;
    }
    inputs.push_back(MergeInput{path, nlohmann::ordered_json::parse(document->text)});
  }
  auto merged = merge_reports(inputs);
  if (!merged) {
    std::cerr << "sipmon: merge: " << merged.error().message << "\n";
    return kExitUsage;
  }
  const std::string text = merged->dump(2) + "\n";
  int status = kExitOk;
  if (!options.out.empty()) {
    if (auto written = write_file_atomically(options.out, text); !written) {
      std::cerr << "sipmon: " << written.error().message << "\n";
      status = kExitOutputFailed;
    }
  }
  std::cout << (options.json ? text : summary(*merged, inputs.size()));
  return status;
}

}  // namespace sipmon
