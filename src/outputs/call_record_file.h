#pragma once
// Where call records go (docs/calls.md): standard output ("-") or a file opened for appending.
// Live keeps appending across restarts and reopens the file on SIGHUP, after logrotate moved it
// away.
#include <fstream>
#include <memory>
#include <string>

#include "analysis/error.h"
#include "outputs/call_record_writer.h"

namespace sipmon {

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
