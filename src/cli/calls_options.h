#pragma once
// Call records on the command line (docs/calls.md), the same on `replay` and `live`:
//   --calls OUT (JSON Lines; "-" for standard output)  --calls-messages  --max-call-records N
// and the file they go to: opened for appending (live keeps appending across restarts and reopens
// the file on SIGHUP, after logrotate moved it away).
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "analysis/call_recorder.h"
#include "analysis/error.h"
#include "outputs/call_record_writer.h"

namespace sipmon {

struct CallsOptions {
  std::string path;  // empty: no call records
  bool messages = false;
  std::size_t max_records = CallRecorderConfig{}.max_records;

  bool enabled() const { return !path.empty(); }
  CallRecorderConfig recorder() const { return CallRecorderConfig{.max_records = max_records, .messages = messages}; }
};

void add_calls_options(CLI::App& command, CallsOptions& options);

// The destination of the records: standard output or a file opened for appending.
class CallRecordFile {
 public:
  static Expected<std::unique_ptr<CallRecordFile>> open(const std::string& path);
  CallRecordWriter& writer() { return writer_; }
  // Closes and reopens the file (a no-op on standard output): after logrotate renamed it.
  Expected<void> reopen();
  const std::string& path() const { return path_; }

 private:
  explicit CallRecordFile(std::string path);
  std::string path_;
  std::ofstream file_;
  CallRecordWriter writer_;
};

}  // namespace sipmon
