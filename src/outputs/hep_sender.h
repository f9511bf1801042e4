#pragma once
// `--hep-out`: forwards every SIP message the engine counts to a HEP collector (Homer, Kamailio's
// sipcapture, another `sipmon live --hep-listen`) as HEPv3, with the capture's time and
// addresses. The engine calls on_sip_message() on its own thread; the message is encoded at once
// into a fixed byte ring and a sender thread of its own empties the ring onto the socket, so a
// slow or absent collector never holds capture up: when the ring is full the message is dropped
// and counted (live). A replay may wait for room instead (`block_when_full`), since no packet is
// lost by waiting there. TCP reconnects with a back-off; UDP sends on a connected socket.
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>

#include "analysis/error.h"
#include "analysis/hep_encoder.h"
#include "analysis/report.h"
#include "analysis/sip_message_observer.h"

namespace sipmon {

enum class HepTransport { udp, tcp };

struct HepSenderSettings {
  sockaddr_storage address{};
  socklen_t address_length = 0;
  std::string address_text;  // for messages: "127.0.0.1:9060"
  HepTransport transport = HepTransport::udp;
  std::uint32_t capture_id = 0;
  std::string auth_key;
  std::size_t queue_bytes = 8u << 20;  // the ring: ~10000 typical SIP messages
  bool block_when_full = false;        // replay: wait for room instead of dropping
};

class HepSender final : public SipMessageObserver {
 public:
  // Opens the socket (UDP) and starts the sender thread; TCP connects from that thread, so an
  // absent collector is not an error at start-up (its messages are counted as they are dropped).
  static Expected<std::unique_ptr<HepSender>> start(HepSenderSettings settings);
  ~HepSender() override;
  HepSender(const HepSender&) = delete;
  HepSender& operator=(const HepSender&) = delete;

  void on_sip_message(const Payload& payload, const SipMessage& message) override;

  // Waits until the ring is empty or `timeout_s` has passed, then stops the thread; what is left
  // is counted as dropped ("unsent_at_exit"). Called once, at the end of capture or replay.
  void finish(double timeout_s);

  HepOutReport report() const;

 private:
  explicit HepSender(HepSenderSettings settings);
  void run();
  bool pop(std::vector<std::uint8_t>& record);
  bool send_record(const std::vector<std::uint8_t>& record);
  bool ensure_connected();
  void disconnect();
  void ring_write(const std::uint8_t* data, std::size_t n);
  void ring_read(std::uint8_t* data, std::size_t n);
  void count_drop(std::size_t reason, std::uint64_t n = 1);

  HepSenderSettings settings_;
  int fd_ = -1;
  std::chrono::steady_clock::time_point next_connect_{};  // sender thread only
  std::vector<std::uint8_t> encode_buffer_;               // producer's: one packet, reused

  mutable std::mutex mutex_;
  std::condition_variable data_ready_;
  std::condition_variable room_ready_;
  std::vector<std::uint8_t> ring_;
  std::size_t head_ = 0;  // next byte to read
  std::size_t used_ = 0;
  bool stopping_ = false;
  bool sending_ = false;  // the sender thread holds a record it has not finished with

  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> connects_{0};
  std::array<std::atomic<std::uint64_t>, 4> dropped_{};
  std::thread thread_;
};

}  // namespace sipmon
