#include "analysis/tcp_stream.h"

#include "analysis/serial_number.h"

namespace sipmon {

void TcpStream::reserve(std::size_t max_out_of_order) {
  if (queue_.capacity() < max_out_of_order) queue_.reserve(max_out_of_order);
}

void TcpStream::clear(StreamBudget& budget) {
  budget.release(held_, 0);
  queue_.clear();
}

TcpStream::Fate TcpStream::add(std::uint32_t seq, Bytes data, bool fin, StreamBudget& budget,
                               StreamReceiver& receiver) {
  // RFC 1982 comparison: a crafted sequence number exactly 2^31 from the expected one is neither
  // behind nor ahead, and is treated as a hole that will never be filled.
  SerialDistance position = serial_compare(seq, next_seq_);
  if (position.order == SerialOrder::before) {
    const std::uint32_t behind = position.amount;
    if (behind >= data.size()) return Fate::retransmission;
    data = data.subspan(behind);  // a retransmission that also carries new bytes
    seq += behind;
    position = {SerialOrder::same, 0};
  }
  receiver.on_accepted(seq, data.size());
  if (data.empty()) return Fate::delivered;
  if (position.order == SerialOrder::same) {
    deliver(data, receiver);
    drain_queue(budget, receiver);
    return Fate::delivered;
  }
  if (position.order == SerialOrder::after && position.amount <= budget.max_flow_bytes() && hold(seq, data, budget)) {
    if (fin) skip_gap(budget, receiver);
    return Fate::queued;
  }
  // Too far ahead, or too much already waiting: the hole will not be filled.
  receiver.on_gap();
  next_seq_ = seq;
  deliver(data, receiver);
  drain_queue(budget, receiver);
  return Fate::delivered;
}

void TcpStream::deliver(Bytes data, StreamReceiver& receiver) {
  next_seq_ += static_cast<std::uint32_t>(data.size());
  receiver.on_bytes(data, next_seq_);
}

bool TcpStream::hold(std::uint32_t seq, Bytes data, StreamBudget& budget) {
  for (const OutOfOrder& q : queue_) {
    if (q.seq == seq && q.length == data.size()) return true;  // the same segment again
  }
  if (queue_.size() >= budget.max_out_of_order() || held_.size() + data.size() > budget.max_flow_bytes() ||
      !budget.make_room(held_, data.size())) {
    return false;
  }
  queue_.push_back(OutOfOrder{seq, static_cast<std::uint32_t>(held_.size()), static_cast<std::uint32_t>(data.size())});
  budget.append(held_, data);
  return true;
}

// Moves queued segments that now follow the stream's end into it, in order.
void TcpStream::drain_queue(StreamBudget& budget, StreamReceiver& receiver) {
  bool progress = true;
  while (progress && !queue_.empty()) {
    progress = false;
    for (std::size_t i = 0; i < queue_.size(); ++i) {
      const OutOfOrder q = queue_[i];
      const SerialDistance position = serial_compare(q.seq, next_seq_);
      if (position.order == SerialOrder::after) continue;
      queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(i));
      // Its first `behind` bytes are already in the stream. A segment 2^31 away (incomparable,
      // left from before a gap) has nothing to give.
      const std::uint32_t behind = position.amount;
      if (position.order != SerialOrder::incomparable && behind < q.length) {
        deliver(Bytes(held_.data() + q.offset + behind, q.length - behind), receiver);
      }
      progress = true;
      break;
    }
  }
  if (queue_.empty()) budget.release(held_, 0);
}

// The hole before the queued segments will not be filled (the capture lost it): carry on from
// the first segment we do have.
void TcpStream::skip_gap(StreamBudget& budget, StreamReceiver& receiver) {
  if (queue_.empty()) return;
  receiver.on_gap();
  std::uint32_t first = queue_.front().seq;
  for (const OutOfOrder& q : queue_) {
    if (serial_before(q.seq, first)) first = q.seq;
  }
  next_seq_ = first;
  drain_queue(budget, receiver);
}

}  // namespace sipmon
