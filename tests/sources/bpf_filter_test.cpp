// The kernel filter (bpf/sipmon.bpf.c) run by the kernel itself through BPF_PROG_TEST_RUN on
// hand-built frames, checked through what reaches the ring buffer and the per-CPU counters.
// Needs root: built into sipmon_root_tests, whose main() reports every case skipped otherwise.
#include <catch2/catch.hpp>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <bpf/bpf.h>

#include "sources/bpf_filter_harness.h"
#include "sources/capture_record.h"
#include "support/frame_builder.h"

namespace sipmon {
namespace {

using test::Filter;
using test::header_of;
using test::Packet;
using test::payload_of;

const std::string kInvite = test::kBpfTestInvite;

Packet eth(const Packet& ip, bool ipv6, std::vector<std::uint16_t> tags = {}) { return test::ethernet(ip, ipv6, tags); }

}  // namespace

TEST_CASE("bpf filter: a SIP datagram is copied whole, once, with its lengths", "[bpf]") {
  Filter filter;
  const Packet frame = test::sip_udp_frame(kInvite);
  filter.run(frame);

  const auto records = filter.take();
  REQUIRE(records.size() == 1);
  const capture_event event = header_of(records[0]);
  CHECK(event.wire_len == frame.size());
  CHECK(event.cap_len == frame.size());
  CHECK(event.vlan_present == 0);
  CHECK(event.flags == 0);
  CHECK(records[0].size() == sizeof(capture_event) + frame.size());  // sized to the packet
  CHECK(payload_of(records[0]) == frame);
  CHECK(filter.counter(SIPMON_COUNTER_SEEN) == 1);
  CHECK(filter.counter(SIPMON_COUNTER_MATCHED) == 1);
  CHECK(filter.counter(SIPMON_COUNTER_MEDIA) == 0);  // matched by its SIP port
  CHECK(filter.counter(SIPMON_COUNTER_COPIED) == 1);
  CHECK(filter.counter(SIPMON_COUNTER_TRUNCATED) == 0);
  CHECK(filter.counter(SIPMON_COUNTER_RINGBUF_FULL) == 0);

  // The record becomes the same frame the engine would get from a recording.
  std::vector<std::uint8_t> buffer(kRecordFrameBufferSize);
  Frame decoded;
  REQUIRE(record_to_frame(records[0], 1'000, buffer, decoded));
  CHECK(Packet(decoded.data.begin(), decoded.data.end()) == frame);
  CHECK(decoded.wire_len == frame.size());
  CHECK(decoded.ts_ns == static_cast<std::int64_t>(event.ts_ns) + 1'000);
}

TEST_CASE("bpf filter: other ports and non-IP frames are seen but not copied", "[bpf]") {
  Filter filter;
  filter.run(test::sip_udp_frame(kInvite, {.src_port = 40000, .dst_port = 53}));
  filter.run(test::sip_udp_frame(kInvite, {.src_port = 5062, .dst_port = 5059}));
  Packet arp = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06};
  arp.resize(60, 0);
  filter.run(arp);
  CHECK(filter.take().empty());
  CHECK(filter.counter(SIPMON_COUNTER_SEEN) == 3);
  CHECK(filter.counter(SIPMON_COUNTER_MATCHED) == 0);
  CHECK(filter.counter(SIPMON_COUNTER_COPIED) == 0);
}

TEST_CASE("bpf filter: either port may be the SIP one, and the port list is configurable", "[bpf]") {
  Filter filter({5080, 5999});
  filter.run(test::sip_udp_frame(kInvite, {.src_port = 5060, .dst_port = 5060}));  // default port, not configured
  filter.run(test::sip_udp_frame(kInvite, {.src_port = 5080, .dst_port = 40000}));
  filter.run(test::sip_udp_frame(kInvite, {.src_port = 40000, .dst_port = 5999}));
  CHECK(filter.take().size() == 2);
  CHECK(filter.counter(SIPMON_COUNTER_MATCHED) == 2);
}

TEST_CASE("bpf filter: 802.1Q and QinQ tags in the frame are walked, up to the decoder's 8", "[bpf]") {
  Filter filter;
  const Packet ip = test::udp_ip_packet(kInvite);
  const Packet single = eth(ip, false, {0x8100});
  const Packet qinq = eth(ip, false, {0x88a8, 0x8100});
  const Packet triple = eth(ip, false, {0x88a8, 0x8100, 0x9100});
  const Packet eight = eth(ip, false, std::vector<std::uint16_t>(8, 0x8100));
  const Packet nine = eth(ip, false, std::vector<std::uint16_t>(9, 0x8100));  // the decoder stops at 8 too
  for (const Packet& frame : {single, qinq, triple, eight, nine}) filter.run(frame);
  const auto records = filter.take();
  REQUIRE(records.size() == 4);
  CHECK(payload_of(records[0]) == single);
  CHECK(payload_of(records[1]) == qinq);
  CHECK(payload_of(records[2]) == triple);
  CHECK(payload_of(records[3]) == eight);
  CHECK(header_of(records[1]).wire_len == qinq.size());
  CHECK(filter.counter(SIPMON_COUNTER_VLAN) == 4);
}

TEST_CASE("bpf filter: IPv6, with extension headers, is matched", "[bpf]") {
  Filter filter;
  const Packet plain = eth(test::udp_ip_packet(kInvite, {.ipv6 = true}), true);
  const Packet extended = eth(test::ipv6_with_extension_headers(test::udp_ip_packet(kInvite, {.ipv6 = true})), true);
  const Packet other =
      eth(test::ipv6_with_extension_headers(test::udp_ip_packet(kInvite, {.ipv6 = true, .src_port = 1, .dst_port = 2})),
          true);
  filter.run(plain);
  filter.run(extended);
  filter.run(other);
  const auto records = filter.take();
  REQUIRE(records.size() == 2);
  CHECK(payload_of(records[0]) == plain);
  CHECK(payload_of(records[1]) == extended);
}

TEST_CASE("bpf filter: TCP segments on a SIP port are copied", "[bpf]") {
  Filter filter;
  const Packet v4 = eth(test::tcp_ip_packet(kInvite, {.src_port = 33000, .dst_port = 5061}), false);
  const Packet v6 = eth(test::tcp_ip_packet(kInvite, {.ipv6 = true, .src_port = 5060, .dst_port = 33000}), true);
  filter.run(v4);
  filter.run(v6);
  filter.run(eth(test::tcp_ip_packet(kInvite, {.src_port = 33000, .dst_port = 443}), false));
  const auto records = filter.take();
  REQUIRE(records.size() == 2);
  CHECK(payload_of(records[0]) == v4);
  CHECK(payload_of(records[1]) == v6);
}

TEST_CASE("bpf filter: every fragment of a SIP datagram reaches user space, no other", "[bpf]") {
  Filter filter;
  const std::string body(2400, 'v');
  const std::string big = kInvite + body;
  for (const bool ipv6 : {false, true}) {
    INFO((ipv6 ? "IPv6" : "IPv4"));
    const Packet sip = test::udp_ip_packet(big, {.ipv6 = ipv6});
    const Packet dns = test::udp_ip_packet(big, {.ipv6 = ipv6, .src_port = 53, .dst_port = 40000});
    const auto sip_fragments = ipv6 ? test::ipv6_fragments(sip, 1000, 7) : test::ipv4_fragments(sip, 1000, 7);
    const auto dns_fragments = ipv6 ? test::ipv6_fragments(dns, 1000, 8) : test::ipv4_fragments(dns, 1000, 8);
    REQUIRE(sip_fragments.size() == 3);
    const std::uint64_t before = filter.counter(SIPMON_COUNTER_FRAGMENTS);
    // Interleaved with another datagram's fragments, as on a busy link.
    for (std::size_t i = 0; i < sip_fragments.size(); ++i) {
      filter.run(eth(sip_fragments[i], ipv6));
      filter.run(eth(dns_fragments[i], ipv6));
    }
    // A later fragment whose first fragment never passed: nothing says it is SIP.
    const auto orphan = ipv6 ? test::ipv6_fragments(sip, 1000, 9) : test::ipv4_fragments(sip, 1000, 9);
    filter.run(eth(orphan[1], ipv6));

    const auto records = filter.take();
    REQUIRE(records.size() == sip_fragments.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
      CHECK(payload_of(records[i]) == eth(sip_fragments[i], ipv6));
      CHECK((header_of(records[i]).flags & SIPMON_EVENT_FRAGMENT) != 0);
    }
    CHECK(filter.counter(SIPMON_COUNTER_FRAGMENTS) - before == 3);
  }
}

TEST_CASE("bpf filter: a frame longer than the snap length is cut and counted", "[bpf]") {
  Filter filter({5060}, 128);
  const Packet frame = test::sip_udp_frame(kInvite + std::string(800, 'x'));
  filter.run(frame);
  const auto records = filter.take();
  REQUIRE(records.size() == 1);
  const capture_event event = header_of(records[0]);
  CHECK(event.cap_len == 128);
  CHECK(event.wire_len == frame.size());
  CHECK((event.flags & SIPMON_EVENT_TRUNCATED) != 0);
  CHECK(records[0].size() == sizeof(capture_event) + 128);
  CHECK(payload_of(records[0]) == Packet(frame.begin(), frame.begin() + 128));
  CHECK(filter.counter(SIPMON_COUNTER_TRUNCATED) == 1);
  CHECK(filter.counter(SIPMON_COUNTER_COPIED) == 1);
}

TEST_CASE("bpf filter: a full ring buffer loses packets and counts every loss", "[bpf]") {
  Filter filter({5060}, SIPMON_DEFAULT_SNAPLEN, static_cast<std::uint32_t>(sysconf(_SC_PAGESIZE)));
  const Packet frame = test::sip_udp_frame(kInvite + std::string(900, 'x'));
  constexpr int kSent = 20;  // ~20 KB into a one-page ring that is never read meanwhile
  for (int i = 0; i < kSent; ++i) filter.run(frame);
  const std::uint64_t copied = filter.counter(SIPMON_COUNTER_COPIED);
  const std::uint64_t full = filter.counter(SIPMON_COUNTER_RINGBUF_FULL);
  CHECK(full > 0);
  CHECK(copied + full == kSent);
  CHECK(filter.take().size() == copied);
}

TEST_CASE("bpf filter: impossible settings are refused before loading", "[bpf]") {
  std::vector<std::uint16_t> none;
  CHECK(!BpfSkeleton::load(BpfFilterSettings{.ports = none}));
  std::vector<std::uint16_t> one{5060};
  CHECK(!BpfSkeleton::load(BpfFilterSettings{.ports = one, .snaplen = 10}));
  CHECK(!BpfSkeleton::load(BpfFilterSettings{.ports = one, .ringbuf_bytes = 3u << 20}));
}

TEST_CASE("capture record: a tag stripped by the kernel is put back after the MAC addresses", "[bpf]") {
  const Packet untagged = test::sip_udp_frame(kInvite);
  capture_event event{};
  event.ts_ns = 5;
  event.wire_len = static_cast<__u32>(untagged.size());
  event.cap_len = static_cast<__u32>(untagged.size());
  event.vlan_present = 1;
  event.vlan_tci = 100;
  event.vlan_proto = 0x8100;
  Packet record(sizeof(event));
  std::memcpy(record.data(), &event, sizeof(event));
  record.insert(record.end(), untagged.begin(), untagged.end());

  std::vector<std::uint8_t> buffer(kRecordFrameBufferSize);
  Frame frame;
  REQUIRE(record_to_frame(record, 0, buffer, frame));
  const Packet tagged = eth(test::udp_ip_packet(kInvite), false, {0x8100});  // builder tags with VID 100
  CHECK(Packet(frame.data.begin(), frame.data.end()) == tagged);
  CHECK(frame.wire_len == tagged.size());

  // A record that claims more bytes than it holds is refused, not read past its end.
  record.resize(record.size() - 10);
  CHECK(!record_to_frame(record, 0, buffer, frame));
}

TEST_CASE("bpf filter: a frame that ends inside the headers it is judged by is counted, not lost silently", "[bpf]") {
  Filter filter;
  const Packet whole = test::sip_udp_frame(kInvite);
  // The kernel's test run wants a whole IPv4 header (it reads it itself), so cut the frame inside
  // the UDP ports.
  filter.run(Packet(whole.begin(), whole.begin() + 14 + 20 + 2));
  filter.run(whole);
  CHECK(filter.take().size() == 1);
  CHECK(filter.counter(SIPMON_COUNTER_SEEN) == 2);
  CHECK(filter.counter(SIPMON_COUNTER_MATCHED) == 1);
  CHECK(filter.counter(SIPMON_COUNTER_HEADERS_UNREADABLE) == 1);
}

}  // namespace sipmon

namespace sipmon {

TEST_CASE("bpf filter: UDP to or from a media endpoint in the map is copied, until it is removed", "[bpf][media]") {
  Filter filter;
  const std::string rtp(172, '\x80');  // what the payload is does not matter to the filter
  IpAddress callee;                    // 10.0.0.2, the frames' destination
  callee.bytes[0] = 10;
  callee.bytes[3] = 2;
  callee.family = 4;
  const Packet to_endpoint = test::sip_udp_frame(rtp, {.src_port = 40000, .dst_port = 50000});
  const Packet from_endpoint =
      test::sip_udp_frame(rtp, {.src_port = 50000, .dst_port = 40000, .src_last_octet = 2, .dst_last_octet = 1});
  const Packet other_port = test::sip_udp_frame(rtp, {.src_port = 40000, .dst_port = 50002});
  const Packet other_host =  // the endpoint's port on another address
      test::sip_udp_frame(rtp, {.src_port = 40000, .dst_port = 50000, .src_last_octet = 1, .dst_last_octet = 3});
  filter.run(to_endpoint);
  CHECK(filter.take().empty());  // not announced yet

  REQUIRE(filter.skeleton->watch_media_endpoint(callee, 50000, true, MediaEndpointPayloads{}));
  for (const Packet& frame : {to_endpoint, from_endpoint, other_port, other_host}) filter.run(frame);
  auto records = filter.take();
  REQUIRE(records.size() == 2);
  CHECK(payload_of(records[0]) == to_endpoint);
  CHECK(payload_of(records[1]) == from_endpoint);
  CHECK(filter.counter(SIPMON_COUNTER_MATCHED) == 2);
  CHECK(filter.counter(SIPMON_COUNTER_MEDIA) == 2);  // the other port and host are not media

  SECTION("removed: no longer copied") {
    REQUIRE(filter.skeleton->watch_media_endpoint(callee, 50000, false, MediaEndpointPayloads{}));
    filter.run(to_endpoint);
    CHECK(filter.take().empty());
  }
  SECTION("IPv6 endpoints are keyed by their 16 bytes") {
    IpAddress v6;  // 2001:db8::2
    v6.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    v6.family = 6;
    const Packet v6_frame = eth(test::udp_ip_packet(rtp, {.ipv6 = true, .src_port = 40000, .dst_port = 50000}), true);
    filter.run(v6_frame);
    CHECK(filter.take().empty());  // the IPv4 endpoint's port is not this address's
    REQUIRE(filter.skeleton->watch_media_endpoint(v6, 50000, true, MediaEndpointPayloads{}));
    filter.run(v6_frame);
    records = filter.take();
    REQUIRE(records.size() == 1);
    CHECK(payload_of(records[0]) == v6_frame);
  }
}

}  // namespace sipmon
