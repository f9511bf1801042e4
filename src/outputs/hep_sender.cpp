#include "outputs/hep_sender.h"

#include <cerrno>
#include <chrono>
#include <cstring>

#include <sys/socket.h>
#include <unistd.h>

#include "analysis/hep_decoder.h"

namespace sipmon {
namespace {

// Why a message was never sent; the names are the JSON keys and the metrics' `reason` label.
enum DropReason : std::size_t { kQueueFull, kTooLarge, kSendFailed, kUnsentAtExit };
constexpr const char* kDropNames[] = {"queue_full", "too_large", "send_failed", "unsent_at_exit"};

constexpr std::size_t kLengthPrefix = 4;
constexpr auto kReconnectBackoff = std::chrono::seconds(1);
constexpr int kConnectTimeoutMs = 2000;

}  // namespace

HepSender::HepSender(HepSenderSettings settings) : settings_(std::move(settings)) {
  encode_buffer_.resize(kHepMaxPacketBytes);
  ring_.resize(settings_.queue_bytes);
}

Expected<std::unique_ptr<HepSender>> HepSender::start(HepSenderSettings settings) {
  if (settings.queue_bytes < kHepMaxPacketBytes + kLengthPrefix) {
    return make_error(ErrorKind::usage, "the HEP queue must hold at least one 64 KiB packet");
  }
  std::unique_ptr<HepSender> sender(new HepSender(std::move(settings)));
  if (sender->settings_.transport == HepTransport::udp && !sender->ensure_connected()) {
    return make_error(ErrorKind::usage, "--hep-out " + sender->settings_.address_text +
                                            ": cannot open a UDP socket: " + std::strerror(errno));
  }
  sender->thread_ = std::thread([s = sender.get()] { s->run(); });
  return sender;
}

HepSender::~HepSender() {
  if (thread_.joinable()) finish(0);
  disconnect();
}

void HepSender::count_drop(std::size_t reason, std::uint64_t n) {
  dropped_[reason].fetch_add(n, std::memory_order_relaxed);
}

void HepSender::ring_write(const std::uint8_t* data, std::size_t n) {
  std::size_t tail = (head_ + used_) % ring_.size();
  const std::size_t first = std::min(n, ring_.size() - tail);
  std::memcpy(ring_.data() + tail, data, first);
  std::memcpy(ring_.data(), data + first, n - first);
  used_ += n;
}

void HepSender::ring_read(std::uint8_t* data, std::size_t n) {
  const std::size_t first = std::min(n, ring_.size() - head_);
  std::memcpy(data, ring_.data() + head_, first);
  std::memcpy(data + first, ring_.data(), n - first);
  head_ = (head_ + n) % ring_.size();
  used_ -= n;
}

void HepSender::on_sip_message(const Payload& payload, const SipMessage& /*message*/) {
  const HepIdentity identity{.capture_id = settings_.capture_id, .auth_key = settings_.auth_key};
  // Encoded outside the lock: the sender thread is never kept waiting by it.
  const std::size_t size = encode_hep3(payload, identity, encode_buffer_);
  if (size == 0) return count_drop(kTooLarge);
  std::unique_lock lock(mutex_);
  const std::size_t needed = size + kLengthPrefix;
  if (ring_.size() - used_ < needed) {
    if (!settings_.block_when_full ||
        !room_ready_.wait_for(lock, std::chrono::seconds(10),
                              [&] { return stopping_ || ring_.size() - used_ >= needed; }) ||
        stopping_) {
      return count_drop(kQueueFull);
    }
  }
  const std::uint8_t prefix[kLengthPrefix] = {static_cast<std::uint8_t>(size >> 24),
                                              static_cast<std::uint8_t>(size >> 16),
                                              static_cast<std::uint8_t>(size >> 8), static_cast<std::uint8_t>(size)};
  ring_write(prefix, kLengthPrefix);
  ring_write(encode_buffer_.data(), size);
  lock.unlock();
  data_ready_.notify_one();
}

bool HepSender::pop(std::vector<std::uint8_t>& record) {
  std::unique_lock lock(mutex_);
  data_ready_.wait(lock, [&] { return stopping_ || used_ != 0; });
  if (used_ == 0) return false;  // stopping, and nothing left
  std::uint8_t prefix[kLengthPrefix];
  ring_read(prefix, kLengthPrefix);
  const std::size_t size = load_be32(prefix);
  record.resize(size);  // capacity reaches 64 KiB once, then stays
  ring_read(record.data(), size);
  sending_ = true;
  lock.unlock();
  room_ready_.notify_all();
  return true;
}

void HepSender::run() {
  std::vector<std::uint8_t> record;
  record.reserve(kHepMaxPacketBytes);
  while (pop(record)) {
    const bool sent = send_record(record);
    if (sent)
      sent_.fetch_add(1, std::memory_order_relaxed);
    else
      count_drop(kSendFailed);
    std::lock_guard lock(mutex_);
    sending_ = false;
    room_ready_.notify_all();  // finish() waits on an empty ring and no record in hand
  }
}

bool HepSender::ensure_connected() {
  if (fd_ >= 0) return true;
  const bool tcp = settings_.transport == HepTransport::tcp;
  const int fd = socket(settings_.address.ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  if (tcp) {
    // Linux bounds a blocking connect() by the send timeout: a black-holed collector must not
    // hold the thread (and the last flush) for the kernel's minutes of SYN retries. The same
    // timeout bounds a send to a collector that stopped reading.
    timeval timeout{.tv_sec = kConnectTimeoutMs / 1000, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);  // also bounds connect()
  }
  if (connect(fd, reinterpret_cast<const sockaddr*>(&settings_.address), settings_.address_length) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return false;
  }
  fd_ = fd;
  if (tcp) connects_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void HepSender::disconnect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool HepSender::send_record(const std::vector<std::uint8_t>& record) {
  if (settings_.transport == HepTransport::udp) {
    // A refused datagram (no collector listening) is reported on a later send: count this one.
    if (ensure_connected() &&
        ::send(fd_, record.data(), record.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(record.size())) {
      return true;
    }
    return false;
  }
  // TCP: while the collector is away, one connection attempt a second at most; the records that
  // come meanwhile are dropped at once, so neither the ring nor a replay waits on a dead peer.
  if (fd_ < 0) {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_connect_) return false;
    if (!ensure_connected()) {
      next_connect_ = now + kReconnectBackoff;
      return false;
    }
  }
  std::size_t done = 0;
  while (done < record.size()) {
    const ssize_t n = ::send(fd_, record.data() + done, record.size() - done, MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      disconnect();  // a packet cut in the middle: the collector resynchronizes on the new connection
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void HepSender::finish(double timeout_s) {
  {
    std::unique_lock lock(mutex_);
    room_ready_.wait_for(lock, std::chrono::duration<double>(timeout_s), [&] { return used_ == 0 && !sending_; });
    // Whatever is left will not be sent: count each record.
    std::uint64_t left = 0;
    while (used_ != 0) {
      std::uint8_t prefix[kLengthPrefix];
      ring_read(prefix, kLengthPrefix);
      const std::size_t size = load_be32(prefix);
      head_ = (head_ + size) % ring_.size();
      used_ -= size;
      ++left;
    }
    if (left != 0) count_drop(kUnsentAtExit, left);
    stopping_ = true;
  }
  data_ready_.notify_all();
  room_ready_.notify_all();
  if (thread_.joinable()) thread_.join();
}

HepOutReport HepSender::report() const {
  HepOutReport report;
  report.transport = settings_.transport == HepTransport::tcp ? "tcp" : "udp";
  report.sent = sent_.load(std::memory_order_relaxed);
  report.connects = connects_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < dropped_.size(); ++i) {
    const std::uint64_t n = dropped_[i].load(std::memory_order_relaxed);
    if (n != 0) report.dropped.emplace(kDropNames[i], n);
  }
  return report;
}

}  // namespace sipmon
