// Checks the rule "no heap allocation per packet on the hot path": counts every operator new while
// the engine takes UDP SIP frames in steady state, and fails if there was any. A program of its
// own, because replacing the global operator new would otherwise affect the whole test binary.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "analysis/engine.h"
#include "../rtp_frame.h"
#include "../udp_frame.h"

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
std::vector<std::vector<std::uint8_t>> make_frames(int calls) {
  std::vector<std::vector<std::uint8_t>> frames;
  for (int call = 0; call < calls; ++call) {
    frames.push_back(udp_frame(request("INVITE", call, "INVITE"), 1, 2));
    frames.push_back(udp_frame(response(180, "Ringing", call, "INVITE"), 2, 1));
    frames.push_back(udp_frame(response(200, "OK", call, "INVITE"), 2, 1));
    frames.push_back(udp_frame(request("ACK", call, "ACK"), 1, 2));
    frames.push_back(udp_frame(request("BYE", call, "BYE"), 1, 2));
    frames.push_back(udp_frame(response(200, "OK", call, "BYE"), 2, 1));
  }
  frames.push_back(udp_frame("\r\n\r\n", 1, 2));
  frames.push_back(udp_frame("not sip at all", 1, 2));
  return frames;
}

int run(const char* name, Engine& engine, const std::vector<std::vector<std::uint8_t>>& frames) {
  std::int64_t ts = 0;
  auto feed = [&] {
    for (const auto& frame : frames) {
      ts += 1'000'000;
      engine.on_frame(Frame{ts, 1, static_cast<std::uint32_t>(frame.size()), frame});
    }
  };
  feed();  // warm-up: first use of every table slot and counter
  const std::size_t before = g_allocations.load();
  for (int round = 0; round < 20; ++round) feed();
  const std::size_t allocations = g_allocations.load() - before;
  const std::size_t fed = 20 * frames.size();
  std::printf("%s: %zu frames, %zu heap allocations\n", name, fed, allocations);
  // The check is meaningful only if the frames really went through as SIP.
  if (engine.report().capture.sip_messages < fed - 40) {
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
  const auto frames = make_frames(500);
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
  failures += run_media();
  return failures == 0 ? 0 : 1;
}
