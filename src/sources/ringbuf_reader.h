#pragma once
// Reads a BPF ring buffer map: records are handed to a RecordSink in order, straight from the
// shared memory (no copy). Waiting happens on epoll_fd(), so the live loop never sleeps or polls.
#include <cstddef>

#include "analysis/bytes.h"
#include "analysis/error.h"

struct ring_buffer;  // libbpf

namespace sipmon {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // `record` is valid only during the call.
  virtual void on_record(Bytes record) = 0;
};

class RingbufReader {
 public:
  // `sink` must outlive the reader.
  static Expected<RingbufReader> open(int map_fd, RecordSink& sink);

  RingbufReader(RingbufReader&& other) noexcept;
  RingbufReader& operator=(RingbufReader&& other) noexcept;
  RingbufReader(const RingbufReader&) = delete;
  RingbufReader& operator=(const RingbufReader&) = delete;
  ~RingbufReader();

  int epoll_fd() const;
  // Consumes every record committed so far; returns how many.
  std::size_t consume();

 private:
  explicit RingbufReader(ring_buffer* ring) : ring_(ring) {}
  ring_buffer* ring_ = nullptr;
};

}  // namespace sipmon
