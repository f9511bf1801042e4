#include "cli/extract_command.h"

#include <filesystem>
#include <iostream>

#include "analysis/call_extractor.h"
#include "cli/exit_codes.h"
#include "outputs/call_records.h"
#include "outputs/capture_file_writer.h"
#include "sources/pcap_file_source.h"

namespace sipmon {
namespace {

// Names at most a few Call-IDs in a message; a records file may hold thousands.
std::string list_ids(const std::vector<std::string>& ids) {
  constexpr std::size_t kShown = 10;
  std::string text;
  for (std::size_t i = 0; i < ids.size() && i < kShown; ++i) text += (i ? ", \"" : "\"") + ids[i] + "\"";
  if (ids.size() > kShown) text += " and " + std::to_string(ids.size() - kShown) + " more";
  return text;
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code error;
  return std::filesystem::equivalent(a, b, error);
}

}  // namespace

CLI::App* add_extract_command(CLI::App& app, ExtractOptions& options) {
  CLI::App* extract = app.add_subcommand("extract", "Write the frames of chosen calls to a new capture file");
  extract->add_option("FILE", options.files, "Capture files (pcap or pcapng); several are merged by packet time")
      ->required()
      ->check(CLI::ExistingFile);
  CLI::Option* ids = extract->add_option("--call-id", options.call_ids,
                                         "Call-ID(s) to extract (exact, case-sensitive); repeat or list several");
  CLI::Option* calls = extract->add_option(
      "--calls", options.calls, "Take the Call-IDs from this JSON Lines call records file (\"call_id\" of each line)");
  calls->check(CLI::ExistingFile);
  extract->add_option("--outcome", options.outcomes, "With --calls: only records whose \"outcome\" is one of these")
      ->needs(calls);
  ids->excludes(calls);
  extract->add_option("-o,--output", options.output, "The capture file to write (pcap, or pcapng: see docs/extract.md)")
      ->required();
  extract->add_flag("--force", options.force, "Replace the output file if it exists");
  extract->footer(
      "Writes every frame that carried a message of those calls (the IP fragments and TCP segments of\n"
      "each message included), in capture order, with the original link type and timestamps, in one\n"
      "pass. pcap when the inputs are pcap of one link type, pcapng otherwise. Give the files first,\n"
      "or repeat --call-id, so the Call-IDs do not swallow the file names.\n"
      "Examples:\n"
      "  sipmon extract trunk.pcap --call-id 'a84b4c76e66710@pc33.example.com' -o call.pcap\n"
      "  sipmon extract a.pcap b.pcapng --call-id id1 id2 -o two-calls.pcapng --force\n"
      "  sipmon extract day.pcap --calls records.jsonl --outcome failed timeout -o failed.pcap\n"
      "Exit codes: 0 written (a warning names Call-IDs not found), 2 none found, unreadable input,\n"
      "output exists without --force.");
  return extract;
}

int run_extract(const ExtractOptions& options) {
  std::vector<std::string> ids = options.call_ids;
  if (ids.empty() && options.calls.empty()) {
    std::cerr << "sipmon: extract: say which calls: --call-id ID... or --calls RECORDS.jsonl\n";
    return kExitUsage;
  }
  for (const std::string& file : options.files) {
    if (same_file(file, options.output)) {
      std::cerr << "sipmon: " << options.output << ": is also an input file; write the extract elsewhere\n";
      return kExitUsage;
    }
  }
  if (!options.force && std::filesystem::exists(options.output)) {
    std::cerr << "sipmon: " << options.output << ": exists; use --force to replace it\n";
    return kExitUsage;
  }
  if (!options.calls.empty()) {
    auto read = read_call_ids(options.calls, options.outcomes);
    if (!read) {
      std::cerr << "sipmon: " << read.error().message << "\n";
      return kExitUsage;
    }
    if (read->empty()) {
      std::cerr << "sipmon: " << options.calls << ": no call record"
                << (options.outcomes.empty() ? "" : " with the outcome(s) asked for") << "; nothing to extract\n";
      return kExitUsage;
    }
    ids = std::move(*read);
  }

  auto source = PcapFileSource::open(options.files);
  if (!source) {
    std::cerr << "sipmon: " << source.error().message << "\n";
    return kExitUsage;
  }
  for (const std::string& warning : source->warnings()) std::cerr << "sipmon: warning: " << warning << "\n";
  std::vector<CaptureInput> inputs;
  for (const CaptureFileInfo& file : source->files()) {
    inputs.push_back(CaptureInput{.pcapng = file.pcapng, .link_type = file.link_type, .nanosecond = file.nanosecond});
  }
  auto writer = CaptureFileWriter::create(options.output, capture_format_for(inputs));
  if (!writer) {
    std::cerr << "sipmon: " << writer.error().message << "\n";
    return kExitUsage;
  }

  CallExtractor extractor(ids, **writer);
  source->run(extractor);
  extractor.finish();
  for (const ReadError& error : source->read_errors()) {
    std::cerr << "sipmon: warning: " << error.file << ": damaged at packet " << error.packet << " (" << error.message
              << "); only the packets before it were read\n";
  }

  std::vector<std::string> missing;
  for (std::size_t i = 0; i < extractor.call_ids().size(); ++i) {
    if (extractor.messages_per_call()[i] == 0) missing.push_back(extractor.call_ids()[i]);
  }
  if (missing.size() == extractor.call_ids().size()) {
    std::cerr << "sipmon: no SIP message with the Call-ID(s) " << list_ids(missing)
              << " in the input; nothing written\n";
    return kExitUsage;  // the writer, never committed, removes its temporary file
  }
  if (!missing.empty()) {
    std::cerr << "sipmon: warning: " << missing.size() << " Call-ID(s) not found in the input: " << list_ids(missing)
              << "\n";
  }
  const ExtractStats& stats = extractor.stats();
  if (stats.incomplete_messages > 0) {
    std::cerr << "sipmon: warning: " << stats.incomplete_messages
              << " message(s) came in more frames than could be tracked; some of their frames are missing "
                 "(docs/extract.md)\n";
  }
  if (stats.frames_dropped > 0) {
    std::cerr << "sipmon: warning: " << stats.frames_dropped
              << " frame(s) held for unfinished reassemblies were dropped over the memory limit\n";
  }
  if (auto committed = (*writer)->commit(); !committed) {
    std::cerr << "sipmon: " << committed.error().message << "\n";
    return kExitUsage;
  }
  std::cerr << "sipmon: wrote " << stats.frames_written << " frame(s) carrying " << stats.messages
            << " SIP message(s) of " << extractor.call_ids().size() - missing.size() << " call(s) to " << options.output
            << "\n";
  return kExitOk;
}

}  // namespace sipmon
