#pragma once
// Which frames brought which bytes of one TCP flow direction, for `sipmon extract`
// (docs/extract.md): records (frame, sequence range) of the bytes the flow still holds, so that a
// message framed from the stream can name the segments that carried it. Bounded by a capacity
// fixed per flow; what a full table forgets is remembered as "messages before this sequence
// number miss a frame".
#include <array>
#include <cstdint>
#include <vector>

#include "analysis/frame_refs.h"

namespace sipmon {

class TcpFrameRecords {
 public:
  // Frames of the HTTP Upgrade of a WebSocket connection, both directions.
  static constexpr std::size_t kMaxHandshakeFrames = 8;

  void reserve(std::size_t capacity) {
    if (records_.capacity() < capacity) records_.reserve(capacity);
  }
  void clear();

  // Bytes [seq, seq + length) arrived in `frames`. With `capacity` records already, the oldest
  // is forgotten.
  void add(const FrameRefs& frames, std::uint32_t seq, std::size_t length, std::size_t capacity);
  // Forgets the records that end at or before `keep_from` (their bytes were handed on or dropped).
  void prune(std::uint32_t keep_from);
  // Appends the frames of the records overlapping [begin, end); returns true when a frame of that
  // range was forgotten.
  bool overlapping(std::uint32_t begin, std::uint32_t end, std::vector<FrameNumber>& out) const;
  bool holds(FrameNumber frame) const;
  // Every frame still recorded, handshake frames included.
  void collect(std::vector<FrameNumber>& out) const;

  // The bytes [begin, end) were a WebSocket Upgrade: their frames go with every later message.
  void note_handshake(std::uint32_t begin, std::uint32_t end);
  // The other direction's Upgrade frames join ours and ours join its.
  void share_handshake(TcpFrameRecords& reverse);
  void append_handshake(std::vector<FrameNumber>& out) const;

 private:
  struct Record {
    FrameNumber frame = 0;
    std::uint32_t seq_begin = 0;
    std::uint32_t seq_end = 0;
  };
  void add_handshake(FrameNumber frame);

  std::vector<Record> records_;   // in arrival order
  bool lost_ = false;             // a record still needed was forgotten...
  std::uint32_t lost_until_ = 0;  // ...and it covered bytes up to here
  std::array<FrameNumber, kMaxHandshakeFrames> handshake_{};
  std::uint8_t handshake_count_ = 0;
};

}  // namespace sipmon
