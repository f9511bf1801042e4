#include "analysis/call_extractor.h"

#include <algorithm>

#include "analysis/sip_parser.h"

namespace sipmon {
namespace {

// Segment frames remembered per TCP flow direction when the caller set no figure: a 256 KiB
// message (the flow buffer's default limit) in 1 KiB segments.
constexpr std::size_t kDefaultFrameRecords = 256;
// Held frames are checked against what the decoder still holds once their count reaches this,
// then again at twice the count that survived: the check costs one walk of the reassembly tables.
constexpr std::size_t kFirstCollection = 64;

DecoderLimits tracking(DecoderLimits limits) {
  limits.track_frames = true;
  if (limits.tcp.max_frame_records == 0) limits.tcp.max_frame_records = kDefaultFrameRecords;
  return limits;
}

std::vector<std::string> sorted_unique(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace

CallExtractor::CallExtractor(std::vector<std::string> call_ids, FrameSink& out, DecoderLimits decoder,
                             ExtractLimits limits)
    : call_ids_(sorted_unique(std::move(call_ids))),
      messages_per_call_(call_ids_.size(), 0),
      out_(out),
      limits_(limits),
      decoder_(tracking(decoder)),
      next_collection_(kFirstCollection) {}

void CallExtractor::on_frame(const Frame& frame) {
  ++stats_.frames_read;
  current_selected_ = false;
  decoder_.decode(frame, *this);
  flush_settled();
  const FrameNumber number = decoder_.frame_number();
  if (decoder_.frame_retained() || (current_selected_ && !held_.empty())) {
    hold(number, frame, current_selected_);
  } else if (current_selected_) {
    ++stats_.frames_written;
    out_.on_frame(frame);  // nothing older is waiting: straight out, no copy
  }
  if (held_.size() >= next_collection_) {
    forget_released();
    next_collection_ = std::max(kFirstCollection, 2 * held_.size());
  }
  if (held_bytes_ > limits_.max_held_bytes) enforce_byte_limit();
}

void CallExtractor::on_payload(const Payload& payload) {
  if (payload.bytes.empty()) return;
  if (parse_sip_message(as_text(payload.bytes), scratch_, payload.truncated) != SipParseStatus::message) return;
  const auto it = std::lower_bound(call_ids_.begin(), call_ids_.end(), scratch_.call_id,
                                   [](const std::string& a, std::string_view b) { return a < b; });
  if (it == call_ids_.end() || *it != scratch_.call_id) return;
  ++messages_per_call_[static_cast<std::size_t>(it - call_ids_.begin())];
  ++stats_.messages;
  if (payload.origin.incomplete) ++stats_.incomplete_messages;
  current_selected_ = true;  // the frame being decoded always carried part of the message
  for (const FrameNumber frame : payload.origin.frames) select(frame);
}

void CallExtractor::select(FrameNumber frame) {
  if (frame == decoder_.frame_number()) return;  // marked by the caller
  // A frame not held any more was written already (chosen by an earlier message), or dropped
  // for the byte limit (counted there).
  if (const auto it = held_.find(frame); it != held_.end()) it->second.selected = true;
}

void CallExtractor::hold(FrameNumber number, const Frame& frame, bool selected) {
  Held& held = held_[number];
  held.ts_ns = frame.ts_ns;
  held.link_type = frame.link_type;
  held.wire_len = frame.wire_len;
  held.data.assign(frame.data.begin(), frame.data.end());
  held.selected = selected;
  held_bytes_ += held.data.size();
  stats_.max_frames_held = std::max(stats_.max_frames_held, held_.size());
}

void CallExtractor::write(const Held& held) {
  ++stats_.frames_written;
  out_.on_frame(Frame{.ts_ns = held.ts_ns,
                      .link_type = held.link_type,
                      .wire_len = held.wire_len,
                      .data = Bytes(held.data.data(), held.data.size())});
}

// Capture order: a selected frame goes out once no older held frame may still be selected.
void CallExtractor::flush_settled() {
  while (!held_.empty() && held_.begin()->second.selected) {
    write(held_.begin()->second);
    held_bytes_ -= held_.begin()->second.data.size();
    held_.erase(held_.begin());
  }
}

// Frames the decoder no longer holds can never be named by a later message: unless already
// selected, they are not wanted.
void CallExtractor::forget_released() {
  retained_.clear();
  decoder_.collect_retained_frames(retained_);
  std::sort(retained_.begin(), retained_.end());
  for (auto it = held_.begin(); it != held_.end();) {
    if (!it->second.selected && !std::binary_search(retained_.begin(), retained_.end(), it->first)) {
      held_bytes_ -= it->second.data.size();
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
  flush_settled();
}

void CallExtractor::enforce_byte_limit() {
  forget_released();
  for (auto it = held_.begin(); it != held_.end() && held_bytes_ > limits_.max_held_bytes;) {
    if (it->second.selected) {
      ++it;
      continue;
    }
    ++stats_.frames_dropped;
    held_bytes_ -= it->second.data.size();
    it = held_.erase(it);
  }
  flush_settled();
}

void CallExtractor::finish() {
  for (const auto& [number, held] : held_) {
    if (held.selected) write(held);
  }
  held_.clear();
  held_bytes_ = 0;
}

}  // namespace sipmon
