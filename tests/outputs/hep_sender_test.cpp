#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "analysis/hep_decoder.h"
#include "outputs/hep_sender.h"

using namespace sipmon;

namespace {

constexpr std::string_view kOptions = "OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

// A socket of the test's own on 127.0.0.1 with a port the kernel chose.
struct LocalSocket {
  explicit LocalSocket(int type) : fd(socket(AF_INET, type | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
  }
  ~LocalSocket() { ::close(fd); }
  int fd;
  std::uint16_t port = 0;
};

HepSenderSettings settings_for(std::uint16_t port, HepTransport transport) {
  HepSenderSettings settings;
  auto* address = reinterpret_cast<sockaddr_in*>(&settings.address);
  address->sin_family = AF_INET;
  address->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address->sin_port = htons(port);
  settings.address_length = sizeof(sockaddr_in);
  settings.address_text = "127.0.0.1:" + std::to_string(port);
  settings.transport = transport;
  settings.capture_id = 77;
  settings.auth_key = "key";
  return settings;
}

Payload payload_at(std::int64_t ts_ns) {
  Payload payload;
  payload.ts_ns = ts_ns;
  payload.src.bytes = {192, 0, 2, 1};
  payload.dst.bytes = {192, 0, 2, 2};
  payload.src_port = 5060;
  payload.dst_port = 5062;
  payload.bytes = Bytes(reinterpret_cast<const std::uint8_t*>(kOptions.data()), kOptions.size());
  return payload;
}

}  // namespace

TEST_CASE("HEP sender: every message reaches a UDP collector as HEPv3 with its capture fields", "[hep]") {
  LocalSocket collector(SOCK_DGRAM);
  auto sender = HepSender::start(settings_for(collector.port, HepTransport::udp));
  REQUIRE(sender);
  const SipMessage unused;
  for (int i = 0; i < 5; ++i) (*sender)->on_sip_message(payload_at(1'700'000'000'000'000'000 + i * 1'000'000), unused);
  (*sender)->finish(5);
  const HepOutReport report = (*sender)->report();
  CHECK(report.sent == 5);
  CHECK(report.dropped.empty());

  std::vector<std::uint8_t> buffer(70000);
  for (int i = 0; i < 5; ++i) {
    pollfd ready{collector.fd, POLLIN, 0};
    REQUIRE(poll(&ready, 1, 2000) == 1);
    const ssize_t n = recv(collector.fd, buffer.data(), buffer.size(), 0);
    REQUIRE(n > 0);
    const HepPacket packet = decode_hep(Bytes(buffer.data(), static_cast<std::size_t>(n)));
    REQUIRE(packet.error == HepError::none);
    CHECK(packet.ts_ns == 1'700'000'000'000'000'000 + i * 1'000'000);  // in order
    CHECK(packet.capture_id == 77);
    CHECK(packet.auth_key == "key");
    CHECK(packet.dst_port == 5062);
    CHECK(as_text(packet.payload) == kOptions);
  }
}

TEST_CASE("HEP sender: with no collector, capture never waits and every message is accounted for", "[hep]") {
  // A TCP port nobody listens on: bound by the test, never listening, so connects are refused.
  LocalSocket closed(SOCK_STREAM);
  auto sender = HepSender::start(settings_for(closed.port, HepTransport::tcp));
  REQUIRE(sender);
  const SipMessage unused;
  constexpr int kMessages = 2000;
  for (int i = 0; i < kMessages; ++i) (*sender)->on_sip_message(payload_at(i), unused);
  (*sender)->finish(5);
  const HepOutReport report = (*sender)->report();
  CHECK(report.sent == 0);
  CHECK(report.connects == 0);
  // Refused at once and at most once a second after that: every message dropped, none waiting.
  CHECK(report.dropped.size() == 1);
  CHECK(report.dropped.at("send_failed") == kMessages);
}

TEST_CASE("HEP sender: a collector that stops reading fills the ring, and the rest is dropped", "[hep]") {
  // Listening, so the connection is made, but never accepted nor read: once the kernel's socket
  // buffers are full the sender thread waits in send() and the engine side finds the ring full.
  LocalSocket stalled(SOCK_STREAM);
  REQUIRE(listen(stalled.fd, 1) == 0);
  HepSenderSettings settings = settings_for(stalled.port, HepTransport::tcp);
  settings.queue_bytes = kHepMaxPacketBytes + 4;  // the smallest ring
  auto sender = HepSender::start(std::move(settings));
  REQUIRE(sender);
  const std::string big(60000, 'x');  // ~120 MB in all: far beyond any loopback socket buffer
  Payload payload = payload_at(0);
  payload.bytes = Bytes(reinterpret_cast<const std::uint8_t*>(big.data()), big.size());
  const SipMessage unused;
  constexpr int kMessages = 2000;
  for (int i = 0; i < kMessages; ++i) (*sender)->on_sip_message(payload, unused);
  (*sender)->finish(0);
  const HepOutReport report = (*sender)->report();
  std::uint64_t dropped = 0;
  for (const auto& [reason, count] : report.dropped) dropped += count;
  // At most one connection; none when finish(0) stops the sender thread before it was scheduled
  // to connect (seen on a loaded machine): the ring fills either way.
  CHECK(report.connects <= 1);
  CHECK(report.sent + dropped == kMessages);
  REQUIRE(report.dropped.count("queue_full") == 1);
  CHECK(report.dropped.at("queue_full") > kMessages / 2);
}
