#include "cli/calls_options.h"

#include <cerrno>
#include <cstring>
#include <iostream>

#include "cli/engine_options.h"

namespace sipmon {

void add_calls_options(CLI::App& command, CallsOptions& options) {
  const std::string group = "Call records (docs/calls.md)";
  CLI::Option* calls = command
                           .add_option("--calls", options.path,
                                       "Write one JSON Lines record per call to this file (appended; - = stdout)")
                           ->group(group);
  command.add_flag("--calls-messages", options.messages, "With --calls: add each call's first 32 messages (a ladder)")
      ->needs(calls)
      ->group(group);
  command
      .add_option("--max-call-records", options.max_records,
                  "Open call records kept at most (pending and answered calls; the oldest is written early)")
      ->check(CLI::Range(std::size_t{1}, kMaxTableCap))
      ->capture_default_str()
      ->group(group);
}

CallRecordFile::CallRecordFile(std::string path)
    : path_(std::move(path)), writer_(path_ == "-" ? static_cast<std::ostream&>(std::cout) : file_) {}

Expected<std::unique_ptr<CallRecordFile>> CallRecordFile::open(const std::string& path) {
  std::unique_ptr<CallRecordFile> file(new CallRecordFile(path));
  if (auto opened = file->reopen(); !opened) return tl::unexpected(opened.error());
  return file;
}

Expected<void> CallRecordFile::reopen() {
  if (path_ == "-") return {};
  if (file_.is_open()) file_.close();
  file_.clear();
  file_.open(path_, std::ios::out | std::ios::app);
  if (!file_)
    return make_error(ErrorKind::usage, "--calls " + path_ + ": cannot open for appending: " + std::strerror(errno));
  return {};
}

}  // namespace sipmon
