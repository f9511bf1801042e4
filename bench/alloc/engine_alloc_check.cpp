// Checks the rule "no heap allocation per packet on the hot path": counts every operator new while
// the engine takes UDP SIP frames in steady state (also with the --hep-out observer encoding every
// message, from HEP packets through HepIngest, and through the --threads shards), and fails if there was any. A program
// of its own, because replacing the global operator new would otherwise affect the whole test binary.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "../rtp_frame.h"
#include "../udp_frame.h"
#include "analysis/engine.h"
#include "analysis/hep_encoder.h"
#include "analysis/hep_ingest.h"
#include "analysis/sharded_engine.h"

namespace {

std::atomic<std::size_t> g_allocations{0};

}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

using sipmon::Engine;
using sipmon::Frame;
using sipmon::bench::udp_frame;

std::string request(const char* method, int call, const char* cseq_method) {
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "%s sip:bob@biloxi.example.com SIP/2.0\r\n"
                "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK%dx%s;rport\r\n"
                "Max-Forwards: 70\r\n"
                "To: Bob <sip:bob@biloxi.example.com>\r\n"
                "From: \"Alice, A.\" <sip:alice@atlanta.example.com>;tag=%d\r\n"
                "Call-ID: call-%d@pc33.atlanta.example.com\r\n"
                "CSeq: 1 %s\r\n"
                "Content-Length: 0\r\n\r\n",
                method, call, method, call, call, cseq_method);
  return buf;
}

std::string response(int code, const char* reason, int call, const char* method) {
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "SIP/2.0 %d %s\r\n"
                "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK%dx%s;received=127.0.0.1\r\n"
                "To: Bob <sip:bob@biloxi.example.com>;tag=b%d\r\n"
                "From: \"Alice, A.\" <sip:alice@atlanta.example.com>;tag=%d\r\n"
                "Call-ID: call-%d@pc33.atlanta.example.com\r\n"
                "CSeq: 1 %s\r\n"
                "Content-Length: 0\r\n\r\n",
                code, reason, call, method, call, call, call, method);
  return buf;
}

// Calls that start, ring, answer, ACK and hang up, plus a keep-alive and a non-SIP datagram.
// `from_caller` says which way each one goes.
std::vector<std::pair<std::string, bool>> make_messages(int calls) {
  std::vector<std::pair<std::string, bool>> messages;
  for (int call = 0; call < calls; ++call) {
    messages.emplace_back(request("INVITE", call, "INVITE"), true);
    messages.emplace_back(response(180, "Ringing", call, "INVITE"), false);
    messages.emplace_back(response(200, "OK", call, "INVITE"), false);
    messages.emplace_back(request("ACK", call, "ACK"), true);
    messages.emplace_back(request("BYE", call, "BYE"), true);
    messages.emplace_back(response(200, "OK", call, "BYE"), false);
  }
  messages.emplace_back("\r\n\r\n", true);
  messages.emplace_back("not sip at all", true);
  return messages;
}

std::vector<std::vector<std::uint8_t>> make_frames(const std::vector<std::pair<std::string, bool>>& messages) {
  std::vector<std::vector<std::uint8_t>> frames;
  for (const auto& [text, from_caller] : messages)
    frames.push_back(udp_frame(text, from_caller ? 1 : 2, from_caller ? 2 : 1));
  return frames;
}

// The same messages as a SIP server exports them: HEPv3 with a key (docs/hep.md).
std::vector<std::vector<std::uint8_t>> make_hep_packets(const std::vector<std::pair<std::string, bool>>& messages) {
  std::vector<std::vector<std::uint8_t>> packets;
  for (const auto& [text, from_caller] : messages) {
    sipmon::Payload payload;
    payload.src.bytes = {10, 0, 0, static_cast<std::uint8_t>(from_caller ? 1 : 2)};
    payload.dst.bytes = {10, 0, 0, static_cast<std::uint8_t>(from_caller ? 2 : 1)};
    payload.src_port = payload.dst_port = 5060;
    payload.bytes = sipmon::Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    std::vector<std::uint8_t> packet(sipmon::hep3_encoded_size(payload, {.capture_id = 1, .auth_key = "key"}));
    sipmon::encode_hep3(payload, {.capture_id = 1, .auth_key = "key"}, packet);
    packets.push_back(std::move(packet));
  }
  return packets;
}

// What --hep-out does on the engine's thread, minus the ring: encode every message into one
// buffer owned up front.
class EncodingObserver final : public sipmon::SipMessageObserver {
 public:
  void on_sip_message(const sipmon::Payload& payload, const sipmon::SipMessage&) override {
    encoded_ += sipmon::encode_hep3(payload, {.capture_id = 1, .auth_key = "key"}, buffer_) != 0;
  }
  std::size_t encoded() const { return encoded_; }

 private:
  std::vector<std::uint8_t> buffer_ = std::vector<std::uint8_t>(65535);
  std::size_t encoded_ = 0;
};

// HEP in: packets through HepIngest (decode, key, time) into the engine.
int run_hep(Engine& engine, const std::vector<std::vector<std::uint8_t>>& packets) {
  sipmon::HepIngest ingest({.auth_key = "key", .max_skew_ns = 5'000'000'000}, engine);
  std::int64_t ts = 0;
  auto feed = [&] {
    for (const auto& packet : packets) {
      ts += 1'000'000;
      ingest.on_packet(packet, ts);  // the packets carry time 0: replaced by the arrival time
    }
  };
  feed();
  const std::size_t before = g_allocations.load();
  for (int round = 0; round < 20; ++round) feed();
  const std::size_t allocations = g_allocations.load() - before;
  const std::size_t fed = 20 * packets.size();
  std::printf("HEP in: %zu packets, %zu heap allocations\n", fed, allocations);
  if (engine.report().capture.sip_messages < fed - 40) {
    std::printf("HEP in: packets were not counted as SIP\n");
    return 1;
  }
  return allocations == 0 ? 0 : 1;
}

// Waits until the shards have counted what was handed to them (their allocations count too).
void settle(Engine&) {}
void settle(sipmon::ShardedEngine& engine) {
  engine.flush();
  while (!engine.idle()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}
sipmon::Report report_of(Engine& engine) { return engine.report(); }
sipmon::Report report_of(sipmon::ShardedEngine& engine) { return engine.snapshot(); }

template <typename AnyEngine>
int run(const char* name, AnyEngine& engine, const std::vector<std::vector<std::uint8_t>>& frames) {
  std::int64_t ts = 0;
  auto feed = [&] {
    for (const auto& frame : frames) {
      ts += 1'000'000;
      engine.on_frame(Frame{ts, 1, static_cast<std::uint32_t>(frame.size()), frame});
    }
  };
  feed();  // warm-up: first use of every table slot and counter
  settle(engine);
  const std::size_t before = g_allocations.load();
  for (int round = 0; round < 20; ++round) feed();
  settle(engine);
  const std::size_t allocations = g_allocations.load() - before;
  const std::size_t fed = 20 * frames.size();
  std::printf("%s: %zu frames, %zu heap allocations\n", name, fed, allocations);
  // The check is meaningful only if the frames really went through as SIP (and, sharded, were
  // counted by the shards: the requests are theirs).
  const sipmon::Report report = report_of(engine);
  std::uint64_t requests = 0;
  for (const std::uint64_t count : report.requests.standard) requests += count;
  if (report.capture.sip_messages < fed - 40 || requests == 0) {
    std::printf("%s: frames were not counted as SIP\n", name);
    return 1;
  }
  return allocations == 0 ? 0 : 1;
}

// RTP of a call whose SDP was seen: the media path (endpoint and stream lookup, statistics).
int run_media() {
  Engine engine;
  std::int64_t ts = 0;
  const auto offer = udp_frame(sipmon::bench::sdp_message(false), 1, 2);
  const auto answer = udp_frame(sipmon::bench::sdp_message(true), 2, 1);
  engine.on_frame(Frame{ts, 1, static_cast<std::uint32_t>(offer.size()), offer});
  engine.on_frame(Frame{ts, 1, static_cast<std::uint32_t>(answer.size()), answer});
  std::vector<std::vector<std::uint8_t>> frames;
  for (int i = 0; i < 500; ++i) frames.push_back(sipmon::bench::rtp_frame(static_cast<std::uint16_t>(i)));
  auto feed = [&] {
    for (const auto& frame : frames) {
      ts += 20'000'000;
      engine.on_frame(Frame{ts, 1, static_cast<std::uint32_t>(frame.size()), frame});
    }
  };
  feed();
  const std::size_t before = g_allocations.load();
  for (int round = 0; round < 20; ++round) feed();
  const std::size_t allocations = g_allocations.load() - before;
  std::printf("media: %zu RTP frames, %zu heap allocations\n", 20 * frames.size(), allocations);
  const auto report = engine.report();
  if (!report.media || report.media->packets != 21 * frames.size()) {
    std::printf("media: RTP frames were not measured as media\n");
    return 1;
  }
  return allocations == 0 ? 0 : 1;
}

}  // namespace

int main() {
  const auto messages = make_messages(500);
  const auto frames = make_frames(messages);
  const auto hep_packets = make_hep_packets(messages);
  // Building the frames allocated: proof the counting operator new is the one in use.
  if (g_allocations.load() == 0) {
    std::printf("operator new is not being counted\n");
    return 1;
  }
  int failures = 0;
  {
    Engine engine;
    failures += run("any port", engine, frames);
  }
  {
    sipmon::EngineConfig config;
    config.ports = {5060};
    Engine engine(std::move(config));
    failures += run("port 5060", engine, frames);
  }
  {
    // HEP out: the engine tells the observer of every message, which encodes it.
    EncodingObserver observer;
    sipmon::EngineConfig config;
    config.observer = &observer;
    Engine engine(std::move(config));
    failures += run("HEP out (encode)", engine, frames);
    if (observer.encoded() < 20 * frames.size()) {
      std::printf("HEP out: only %zu messages encoded\n", observer.encoded());
      ++failures;
    }
  }
  {
    Engine engine;
    failures += run_hep(engine, hep_packets);
  }
  failures += run_media();
  {
    // --threads 2: the front copies each message into a shard's ring (allocated at start), the
    // shard counts it from the front's parse.
    sipmon::EngineConfig config;
    config.ports = {5060};
    sipmon::ShardedEngine engine(config, 2);
    failures += run("--threads 3 (2 shards)", engine, frames);
  }
  return failures == 0 ? 0 : 1;
}
