#include "sources/ringbuf_reader.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include <bpf/libbpf.h>

namespace sipmon {
namespace {

int on_ring_record(void* context, void* data, std::size_t size) {
  static_cast<RecordSink*>(context)->on_record(Bytes(static_cast<const std::uint8_t*>(data), size));
  return 0;
}

}  // namespace

Expected<RingbufReader> RingbufReader::open(int map_fd, RecordSink& sink) {
  ring_buffer* ring = ring_buffer__new(map_fd, on_ring_record, &sink, nullptr);
  if (ring == nullptr) {
    return make_error(ErrorKind::input, std::string("cannot map the BPF ring buffer: ") + std::strerror(errno));
  }
  return RingbufReader(ring);
}

RingbufReader::RingbufReader(RingbufReader&& other) noexcept : ring_(std::exchange(other.ring_, nullptr)) {}

RingbufReader& RingbufReader::operator=(RingbufReader&& other) noexcept {
  if (this != &other) {
    if (ring_ != nullptr) ring_buffer__free(ring_);
    ring_ = std::exchange(other.ring_, nullptr);
  }
  return *this;
}

RingbufReader::~RingbufReader() {
  if (ring_ != nullptr) ring_buffer__free(ring_);
}

int RingbufReader::epoll_fd() const { return ring_buffer__epoll_fd(ring_); }

std::size_t RingbufReader::consume() {
  const int consumed = ring_buffer__consume(ring_);
  return consumed > 0 ? static_cast<std::size_t>(consumed) : 0;
}

}  // namespace sipmon
