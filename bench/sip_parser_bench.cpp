// Per-message cost of the hot path: parsing a typical INVITE, 200 OK and SDP offer, and the whole engine from
// an Ethernet frame (decode, parse, count, transaction lookup). Budget: ~100 ns per message.
#include <cstring>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "analysis/engine.h"
#include "analysis/sdp_parser.h"
#include "analysis/sip_fields.h"
#include "analysis/sip_parser.h"
#include "udp_frame.h"

using namespace sipmon;

namespace {

const std::string kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK\r\n"
    "Supported: timer, 100rel\r\n"
    "Session-Expires: 1800;refresher=uac\r\n"
    "User-Agent: softphone/4.2\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 142\r\n"
    "\r\n"
    "v=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\ns=-\r\n"
    "c=IN IP4 192.0.2.101\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

const std::string kOk =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bKnashds8;received=192.0.2.3\r\n"
    "Via: SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1\r\n"
    "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:bob@192.0.2.4>\r\n"
    "Server: pbx/1.0\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

void BM_ParseInvite(benchmark::State& state) {
  SipMessage message;
  for (auto _ : state) {
    benchmark::DoNotOptimize(parse_sip_message(kInvite, message));
    benchmark::DoNotOptimize(message.call_id.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseInvite);

void BM_Parse200Ok(benchmark::State& state) {
  SipMessage message;
  for (auto _ : state) {
    benchmark::DoNotOptimize(parse_sip_message(kOk, message));
    benchmark::DoNotOptimize(message.call_id.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Parse200Ok);

// The offer of bench/load_capture.cpp's INVITEs (every INVITE and 200 OK of the load carries one
// like it): what MediaTracker::learn_sdp pays in parse_sdp per offer or answer.
const std::string kLoadSdp =
    "v=0\r\no=- 160242292 160242292 IN IP4 10.1.0.41\r\ns=-\r\nc=IN IP4 10.1.0.41\r\nt=0 0\r\n"
    "m=audio 26224 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n";

void BM_ParseSdp(benchmark::State& state) {
  SdpSession sdp;
  for (auto _ : state) {
    parse_sdp(kLoadSdp, sdp);
    benchmark::DoNotOptimize(sdp.media[0].port);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseSdp);

// The on-demand readers (not on the counting path): what the call recorder pays per INVITE.
void BM_FieldReaders(benchmark::State& state) {
  SipMessage message;
  parse_sip_message(kInvite, message);
  for (auto _ : state) {
    benchmark::DoNotOptimize(parse_uri(message.request_uri).host.data());
    benchmark::DoNotOptimize(parse_name_addr(message.header(HeaderId::from)).uri.data());
    benchmark::DoNotOptimize(top_via(message).rport.data());
    benchmark::DoNotOptimize(session_expires(message).seconds);
  }
}
BENCHMARK(BM_FieldReaders);

// The full per-frame path, INVITE and 200 OK alternating (each pair is one transaction seen twice
// per iteration after the first: the transaction lookup hits, as for a busy live capture).
void BM_EngineOnFrame(benchmark::State& state) {
  Engine engine;
  const auto invite = bench::udp_frame(kInvite, 1, 2);
  const auto ok = bench::udp_frame(kOk, 2, 1);
  std::int64_t ts = 0;
  for (auto _ : state) {
    ts += 1'000'000'000;  // 1 s apart: re-sends counted as retransmissions, never duplicates
    engine.on_frame(Frame{ts, 1, static_cast<std::uint32_t>(invite.size()), invite});
    engine.on_frame(Frame{ts, 1, static_cast<std::uint32_t>(ok.size()), ok});
  }
  state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(BM_EngineOnFrame);

}  // namespace
