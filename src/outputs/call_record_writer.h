#pragma once
// Call records as JSON Lines (docs/calls.md): one object per line, every field present (null when
// unknown), in the documented order. Written to a stream the caller owns (a file opened for
// append, or stdout for `--calls -`); each record is flushed whole so that a reader (or logrotate)
// never sees half a line.
#include <cstdint>
#include <ostream>
#include <string>

#include "analysis/call_record.h"

namespace sipmon {

// One record as one line of JSON (no trailing newline).
std::string render_call_record(const CallRecord& record);

class CallRecordWriter final : public CallRecordSink {
 public:
  explicit CallRecordWriter(std::ostream& out) : out_(&out) {}
  void on_call_record(const CallRecord& record) override;
  // Live's SIGHUP: later records go to `out` (the reopened file).
  void redirect(std::ostream& out) { out_ = &out; }
  std::uint64_t written() const { return written_; }
  bool failed() const { return out_->fail(); }

 private:
  std::ostream* out_;
  std::uint64_t written_ = 0;
};

}  // namespace sipmon
