#pragma once
// One direction of a TCP connection put back in sequence order, and nothing else: it knows
// sequence numbers, not what the bytes mean. Bytes go to a StreamReceiver in order, at most once;
// a hole the capture will never fill is announced as a gap before the bytes after it, as zeek's
// TCP_Reassembler reports Undelivered and PcapPlusPlus's TcpReassembly calls back on missing
// data. What comes out of order waits in a bounded queue: at most max_out_of_order segments, at
// most max_flow_bytes ahead of the stream and held, all counted in the shared StreamBudget.
#include <cstdint>
#include <vector>

#include "analysis/bytes.h"
#include "analysis/stream_budget.h"

namespace sipmon {

class StreamReceiver {
 public:
  // A segment's new bytes [seq, seq + length) arrived (delivered now or queued; length may be 0).
  virtual void on_accepted(std::uint32_t seq, std::size_t length) = 0;
  // The next bytes of the stream; `end_seq` is the sequence number just after them.
  virtual void on_bytes(Bytes data, std::uint32_t end_seq) = 0;
  // Bytes before the next delivery are lost for good: whatever they cut is incomplete.
  virtual void on_gap() = 0;

 protected:
  ~StreamReceiver() = default;
};

class TcpStream {
 public:
  enum class Fate : std::uint8_t {
    retransmission,  // nothing new: every byte was delivered before
    delivered,       // its new bytes (if any) went to the receiver, after a gap if one was skipped
    queued,          // ahead of the stream: held until the hole before it fills
  };

  // The first byte expected is `next_seq`; the queue starts empty.
  void start(std::uint32_t next_seq) { next_seq_ = next_seq; }
  // Sizes the queue's index once per flow slot, so that no segment allocates it.
  void reserve(std::size_t max_out_of_order);
  // Forgets the queued segments (a reset, an eviction).
  void clear(StreamBudget& budget);

  // One segment of the direction. With `fin`, a hole before queued segments will never be filled:
  // it is skipped at once.
  Fate add(std::uint32_t seq, Bytes data, bool fin, StreamBudget& budget, StreamReceiver& receiver);

  std::uint32_t next_seq() const { return next_seq_; }
  bool has_queued() const { return !queue_.empty(); }

 private:
  struct OutOfOrder {
    std::uint32_t seq = 0;
    std::uint32_t offset = 0;  // into held_
    std::uint32_t length = 0;
  };

  void deliver(Bytes data, StreamReceiver& receiver);
  bool hold(std::uint32_t seq, Bytes data, StreamBudget& budget);
  void drain_queue(StreamBudget& budget, StreamReceiver& receiver);
  void skip_gap(StreamBudget& budget, StreamReceiver& receiver);

  std::vector<OutOfOrder> queue_;   // capacity reserved once per flow slot
  std::vector<std::uint8_t> held_;  // bytes of the queued segments
  std::uint32_t next_seq_ = 0;
};

}  // namespace sipmon
