#pragma once
// The memory of TCP reassembly, shared by every flow: the stream layer's out-of-order bytes and
// the framers' unfinished messages alike. Counted as allocated (vector capacity), not as stored:
// growth rounds up, emptied vectors keep their allocation, and max_total_bytes has to bound what
// the process actually holds (docs/transports.md, "Limits").
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/bytes.h"

namespace sipmon {

class StreamBudget {
 public:
  StreamBudget(std::size_t max_flow_bytes, std::size_t max_total_bytes, std::size_t max_out_of_order)
      : max_flow_bytes_(max_flow_bytes), max_total_bytes_(max_total_bytes), max_out_of_order_(max_out_of_order) {}

  std::size_t max_flow_bytes() const { return max_flow_bytes_; }      // one buffer of one flow
  std::size_t max_out_of_order() const { return max_out_of_order_; }  // segments waiting per flow

  // Makes room for `extra` more bytes in `bytes`; false when that would pass max_total_bytes.
  bool make_room(std::vector<std::uint8_t>& bytes, std::size_t extra) {
    const std::size_t needed = bytes.size() + extra;
    if (needed <= bytes.capacity()) return true;
    // Geometric growth keeps appends amortised; it stops at the per-flow limit.
    const std::size_t grown = std::max(needed, std::min(bytes.capacity() * 2, max_flow_bytes_));
    if (allocated_ - bytes.capacity() + grown > max_total_bytes_) return false;
    allocated_ -= bytes.capacity();
    bytes.reserve(grown);
    allocated_ += bytes.capacity();
    return true;
  }

  // Appends `data`, for which make_room has made room.
  void append(std::vector<std::uint8_t>& bytes, Bytes data) {
    bytes.insert(bytes.end(), data.begin(), data.end());
    stored_ += data.size();
  }

  // Makes `data` the whole content of `bytes`; false (and `bytes` empty) when the memory limit
  // does not allow it.
  bool replace(std::vector<std::uint8_t>& bytes, Bytes data) {
    stored_ -= bytes.size();
    bytes.clear();
    if (!make_room(bytes, data.size())) return false;
    bytes.assign(data.begin(), data.end());
    stored_ += bytes.size();
    return true;
  }

  // Removes the first `n` bytes of `bytes`.
  void erase_front(std::vector<std::uint8_t>& bytes, std::size_t n) {
    bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    stored_ -= n;
  }

  // Empties `bytes`, giving its allocation back when larger than `keep`.
  void release(std::vector<std::uint8_t>& bytes, std::size_t keep) {
    stored_ -= bytes.size();
    bytes.clear();
    if (bytes.capacity() > keep) {
      allocated_ -= bytes.capacity();
      std::vector<std::uint8_t>().swap(bytes);
    }
  }

  std::size_t stored() const { return stored_; }
  std::size_t allocated() const { return allocated_; }

 private:
  std::size_t max_flow_bytes_;
  std::size_t max_total_bytes_;
  std::size_t max_out_of_order_;
  std::size_t stored_ = 0;     // bytes kept in flow buffers
  std::size_t allocated_ = 0;  // their capacity: what max_total_bytes bounds
};

}  // namespace sipmon
