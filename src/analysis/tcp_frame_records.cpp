#include "analysis/tcp_frame_records.h"

#include <algorithm>

#include "analysis/serial_number.h"

namespace sipmon {
namespace {

bool seq_before(std::uint32_t a, std::uint32_t b) { return serial_before(a, b); }

bool overlaps(std::uint32_t a_begin, std::uint32_t a_end, std::uint32_t b_begin, std::uint32_t b_end) {
  return seq_before(a_begin, b_end) && seq_before(b_begin, a_end);
}

}  // namespace

void TcpFrameRecords::clear() {
  records_.clear();
  lost_ = false;
  handshake_count_ = 0;
}

void TcpFrameRecords::add(const FrameRefs& frames, std::uint32_t seq, std::size_t length, std::size_t capacity) {
  if (capacity == 0 || length == 0) return;
  const std::uint32_t end = seq + static_cast<std::uint32_t>(length);
  auto note_lost = [this](std::uint32_t until) {
    if (!lost_ || seq_before(lost_until_, until)) lost_until_ = until;
    lost_ = true;
  };
  for (const FrameNumber frame : frames.frames) {
    if (records_.size() >= capacity) {
      note_lost(records_.front().seq_end);
      records_.erase(records_.begin());
    }
    records_.push_back(Record{frame, seq, end});
  }
  if (frames.incomplete) note_lost(end);
}

void TcpFrameRecords::prune(std::uint32_t keep_from) {
  std::erase_if(records_, [&](const Record& r) { return !seq_before(keep_from, r.seq_end); });
}

bool TcpFrameRecords::overlapping(std::uint32_t begin, std::uint32_t end, std::vector<FrameNumber>& out) const {
  for (const Record& r : records_) {
    if (overlaps(r.seq_begin, r.seq_end, begin, end)) out.push_back(r.frame);
  }
  return lost_ && seq_before(begin, lost_until_);
}

bool TcpFrameRecords::holds(FrameNumber frame) const {
  return std::any_of(records_.begin(), records_.end(), [&](const Record& r) { return r.frame == frame; }) ||
         std::find(handshake_.begin(), handshake_.begin() + handshake_count_, frame) !=
             handshake_.begin() + handshake_count_;
}

void TcpFrameRecords::collect(std::vector<FrameNumber>& out) const {
  for (const Record& r : records_) out.push_back(r.frame);
  append_handshake(out);
}

void TcpFrameRecords::add_handshake(FrameNumber frame) {
  if (handshake_count_ < handshake_.size()) handshake_[handshake_count_++] = frame;
}

void TcpFrameRecords::note_handshake(std::uint32_t begin, std::uint32_t end) {
  handshake_count_ = 0;
  for (const Record& r : records_) {
    if (overlaps(r.seq_begin, r.seq_end, begin, end)) add_handshake(r.frame);
  }
}

void TcpFrameRecords::share_handshake(TcpFrameRecords& reverse) {
  const std::size_t own = handshake_count_;
  for (std::size_t i = 0; i < reverse.handshake_count_; ++i) add_handshake(reverse.handshake_[i]);
  for (std::size_t i = 0; i < own; ++i) reverse.add_handshake(handshake_[i]);
}

void TcpFrameRecords::append_handshake(std::vector<FrameNumber>& out) const {
  out.insert(out.end(), handshake_.begin(), handshake_.begin() + handshake_count_);
}

}  // namespace sipmon
