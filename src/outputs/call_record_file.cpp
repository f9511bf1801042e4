#include "outputs/call_record_file.h"

#include <cerrno>
#include <cstring>
#include <iostream>
#include <utility>

namespace sipmon {

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
