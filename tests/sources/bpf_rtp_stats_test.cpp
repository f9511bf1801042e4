// Issue 22: the kernel filter measures RTP with the same RFC 3550 code as the media tracker
// (src/analysis/rtp_stats.h). The same packets go through the kernel (BPF_PROG_TEST_RUN) and
// through the user-space functions, and the two states must be equal after every packet, byte for
// byte. A socket filter reads its arrival time from bpf_ktime_get_ns and BPF_PROG_TEST_RUN cannot
// set it: the user-space side takes the kernel's own arrival time of each packet (its entry's
// last_ns, which the packet just set), so the jitter is compared exactly too, not within a
// tolerance. The hand-worked totals at the end are a second, independent check of the counters.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <bpf/bpf.h>

#include "analysis/media_codec.h"
#include "analysis/rtp_stats.h"
#include "sources/bpf_filter_harness.h"
#include "sources/capture_record.h"
#include "support/frame_builder.h"

namespace sipmon {
namespace {

using test::Filter;
using test::Packet;

struct Rtp {
  std::uint16_t seq;
  std::uint32_t ts;
  std::uint8_t pt = 8;
  bool marker = false;
  std::uint32_t ssrc = 0x11223344;
};

std::string rtp_payload(const Rtp& p) {
  std::string bytes(12 + 160, '\xd5');
  bytes[0] = '\x80';
  bytes[1] = static_cast<char>((p.marker ? 0x80 : 0) | p.pt);
  bytes[2] = static_cast<char>(p.seq >> 8);
  bytes[3] = static_cast<char>(p.seq & 0xff);
  for (int i = 0; i < 4; ++i) bytes[4 + i] = static_cast<char>(p.ts >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) bytes[8 + i] = static_cast<char>(p.ssrc >> (24 - 8 * i));
  return bytes;
}

Packet frame(const std::string& payload) {
  return test::sip_udp_frame(payload, {.src_port = 40000, .dst_port = 50000});  // 10.0.0.1 -> 10.0.0.2
}

IpAddress callee() {
  IpAddress address;
  address.bytes[0] = 10;
  address.bytes[3] = 2;
  return address;
}

sipmon_rtp_stream_key key_of(std::uint32_t ssrc) {
  sipmon_rtp_stream_key key{};
  key.dst.address[0] = 10;
  key.dst.address[3] = 2;
  key.dst.port = 50000;
  key.dst.family = 4;
  key.ssrc = ssrc;
  return key;
}

// The media tracker's choice of clock rate (media_tracker.cpp on_rtp): the endpoint's rtpmap,
// then RFC 3551; telephone-event 0.
std::uint32_t user_clock(std::uint8_t pt) {
  if (pt == 101) return 0;  // a=rtpmap:101 telephone-event/8000 below
  return static_payload_type(pt).clock_rate;
}

}  // namespace

TEST_CASE("bpf rtp stats: kernel and user space compute the same state packet by packet", "[bpf][media][rtp]") {
  Filter filter({5060}, SIPMON_DEFAULT_SNAPLEN, 1u << 20, SIPMON_DEFAULT_VXLAN_PORT, true);
  MediaEndpointPayloads payloads;
  payloads.count = 1;
  payloads.payload_types[0] = 101;
  payloads.clock_rates[0] = 0;  // RFC 4733 events
  payloads.rtp = true;
  payloads.rtcp = true;  // rtcp-mux
  REQUIRE(filter.skeleton->watch_media_endpoint(callee(), 50000, true, payloads));
  const int streams_fd = filter.skeleton->rtp_streams_fd();

  // Sequence numbers through every case A.1 handles: in order, a loss of 2, a late packet, a
  // duplicate, a wrap at 65535, an event (PT 101), a marker packet, a jump beyond MAX_DROPOUT
  // confirmed by the next packet (restart), and a new SSRC.
  std::vector<Rtp> packets;
  std::uint32_t ts = 1000;
  for (int seq : {65520, 65521, 65522, 65525, 65523, 65523, 65526})
    packets.push_back({static_cast<std::uint16_t>(seq), ts += 160});
  for (int i = 65527; i <= 65535 + 5; ++i) packets.push_back({static_cast<std::uint16_t>(i), ts += 160 + (i % 3) * 7});
  packets.push_back({6, ts, 101});             // event: same timestamp, no jitter
  packets.push_back({7, ts += 320, 8, true});  // talk spurt start (marker)
  packets.push_back({8, ts += 160});
  packets.push_back({20000, ts += 160});           // stray
  packets.push_back({20001, ts += 160});           // restart confirmed
  packets.push_back({20003, ts += 160});           // loss of 1 after the restart
  packets.push_back({20002, ts -= 0});             // late
  packets.push_back({500, 9999, 0, false, 0x55});  // another SSRC (PCMU)
  packets.push_back({501, 9999 + 160, 0, false, 0x55});

  std::map<std::uint32_t, sipmon_rtp_stats> user;
  std::map<std::uint32_t, std::uint8_t> first_pt;
  std::size_t expected_copies = 0;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const Rtp& p = packets[i];
    INFO("packet " << i << " seq " << p.seq);
    filter.run(frame(rtp_payload(p)));
    sipmon_rtp_kernel_stream kernel{};
    const sipmon_rtp_stream_key key = key_of(p.ssrc);
    REQUIRE(bpf_map_lookup_elem(streams_fd, &key, &kernel) == 0);
    const __u64 arrival = kernel.stats.last_ns;  // this packet's bpf_ktime_get_ns
    const bool first = !user.contains(p.ssrc);
    sipmon_rtp_stats& u = user[p.ssrc];
    if (first) {
      sipmon_rtp_stats_start(&u, p.seq, arrival);
      first_pt[p.ssrc] = p.pt;
    } else {
      sipmon_rtp_stats_update(&u, p.seq, arrival);
    }
    sipmon_rtp_jitter_update(&u, p.ts, user_clock(p.pt), p.marker ? 1 : 0, arrival);
    if (first || p.pt != first_pt[p.ssrc]) ++expected_copies;
    CHECK(kernel.stats.packets == u.packets);
    CHECK(kernel.stats.duplicates == u.duplicates);
    CHECK(kernel.stats.late == u.late);
    CHECK(kernel.stats.restarts == u.restarts);
    CHECK(sipmon_rtp_expected(&kernel.stats) == sipmon_rtp_expected(&u));
    CHECK(sipmon_rtp_lost(&kernel.stats) == sipmon_rtp_lost(&u));
    CHECK(kernel.stats.jitter_q4_ns == u.jitter_q4_ns);
    CHECK(kernel.stats.jitter_max_q4_ns == u.jitter_max_q4_ns);
    CHECK(std::memcmp(&kernel.stats, &u, sizeof u) == 0);  // every field, padding included
  }
  // Copied: each stream's first packet and the event; the rest stayed in the kernel.
  CHECK(filter.take().size() == expected_copies);
  CHECK(expected_copies == 3);
  CHECK(filter.counter(SIPMON_COUNTER_RTP_IN_KERNEL) == packets.size() - expected_copies);
  CHECK(filter.counter(SIPMON_COUNTER_RTP_STREAMS) == 2);

  // Worked by hand for SSRC 0x11223344, 28 packets. Segment one runs from 65520 over the wrap to 8:
  // 65536 + 8 - 65520 + 1 = 25 expected; received 24 (23 distinct numbers: 65524 and 5 are
  // missing, plus one duplicate of 65523). The stray 20000, confirmed by 20001, starts segment
  // two: 20000 .. 20003 = 4 expected, 4 received (20002 late). 29 expected, 28 received: lost 1.
  // Late: the first 65523 (after 65525) and 20002; the second 65523 is the duplicate.
  const sipmon_rtp_stats& s = user[0x11223344];
  CHECK(s.packets == 28);
  CHECK(sipmon_rtp_expected(&s) == 29);
  CHECK(sipmon_rtp_lost(&s) == 1);
  CHECK(s.duplicates == 1);
  CHECK(s.late == 2);
  CHECK(s.restarts == 1);
  CHECK(s.jitter_max_q4_ns > 0);

  SECTION("RTCP is copied and leaves the statistics alone") {
    std::string rtcp(28, '\0');
    rtcp[0] = '\x81';
    rtcp[1] = static_cast<char>(200);  // SR
    rtcp[3] = 6;
    filter.run(frame(rtcp));
    CHECK(filter.take().size() == 1);
    sipmon_rtp_kernel_stream kernel{};
    const sipmon_rtp_stream_key key = key_of(0x11223344);
    REQUIRE(bpf_map_lookup_elem(streams_fd, &key, &kernel) == 0);
    CHECK(kernel.stats.packets == 28);
  }
  SECTION("not RTP (version 0): copied for the tracker to count as malformed") {
    std::string junk(40, '\x01');
    filter.run(frame(junk));
    CHECK(filter.take().size() == 1);
  }
}

// Two CPUs with packets of one stream at the same instant cannot be staged with BPF_PROG_TEST_RUN;
// what the second one finds can: an entry whose busy flag is set (another filter run is inside
// its update). The packet must leave the entry alone, be counted as a collision and not copied;
// once the flag is clear the next packet is measured as usual, and the flag is clear after it.
TEST_CASE("bpf rtp stats: a packet finding its stream's entry busy leaves it alone and is counted",
          "[bpf][media][rtp]") {
  Filter filter({5060}, SIPMON_DEFAULT_SNAPLEN, 1u << 20, SIPMON_DEFAULT_VXLAN_PORT, true);
  REQUIRE(filter.skeleton->watch_media_endpoint(callee(), 50000, true, MediaEndpointPayloads{}));
  const int streams_fd = filter.skeleton->rtp_streams_fd();
  const sipmon_rtp_stream_key key = key_of(0x11223344);
  filter.run(frame(rtp_payload({1, 160})));
  filter.run(frame(rtp_payload({2, 320})));
  sipmon_rtp_kernel_stream before{};
  REQUIRE(bpf_map_lookup_elem(streams_fd, &key, &before) == 0);
  CHECK(before.stats.packets == 2);
  CHECK(before.busy == 0);

  sipmon_rtp_kernel_stream busy = before;
  busy.busy = 1;
  REQUIRE(bpf_map_update_elem(streams_fd, &key, &busy, BPF_EXIST) == 0);
  filter.run(frame(rtp_payload({3, 480})));
  sipmon_rtp_kernel_stream after{};
  REQUIRE(bpf_map_lookup_elem(streams_fd, &key, &after) == 0);
  CHECK(std::memcmp(&after.stats, &before.stats, sizeof before.stats) == 0);
  CHECK(filter.counter(SIPMON_COUNTER_RTP_UPDATE_COLLISIONS) == 1);
  CHECK(filter.counter(SIPMON_COUNTER_RTP_IN_KERNEL) == 1);  // packet 2 only
  CHECK(filter.take().size() == 1);                          // the first packet only

  busy.busy = 0;
  REQUIRE(bpf_map_update_elem(streams_fd, &key, &busy, BPF_EXIST) == 0);
  filter.run(frame(rtp_payload({4, 640})));
  REQUIRE(bpf_map_lookup_elem(streams_fd, &key, &after) == 0);
  CHECK(after.stats.packets == 3);
  CHECK(sipmon_rtp_lost(&after.stats) == 1);  // 1 .. 4 expected, 3 left out of the figures
  CHECK(after.busy == 0);
  CHECK(filter.counter(SIPMON_COUNTER_RTP_UPDATE_COLLISIONS) == 1);
  CHECK(filter.counter(SIPMON_COUNTER_RTP_IN_KERNEL) == 2);
}

// A full stream map must never drop a stream being measured (an LRU map did, silently: its count
// restarted). A new stream that finds no room is refused and counted, and its packets are copied
// for user space to measure. The map is loaded with room for two streams; three send.
TEST_CASE("bpf rtp stats: a full stream map refuses new streams, keeps the measured ones and copies",
          "[bpf][media][rtp]") {
  Filter filter({5060}, SIPMON_DEFAULT_SNAPLEN, 1u << 20, SIPMON_DEFAULT_VXLAN_PORT, true, 2);
  REQUIRE(filter.skeleton->watch_media_endpoint(callee(), 50000, true, MediaEndpointPayloads{}));
  const int streams_fd = filter.skeleton->rtp_streams_fd();
  const std::uint32_t ssrcs[] = {0xa1, 0xb2, 0xc3};
  for (std::uint16_t seq = 1; seq <= 3; ++seq) {
    for (const std::uint32_t ssrc : ssrcs) filter.run(frame(rtp_payload({.seq = seq, .ts = 160u * seq, .ssrc = ssrc})));
  }
  CHECK(filter.counter(SIPMON_COUNTER_RTP_STREAMS) == 2);
  CHECK(filter.counter(SIPMON_COUNTER_RTP_STREAM_MAP_FULL) == 3);  // every packet of the third stream
  CHECK(filter.counter(SIPMON_COUNTER_RTP_IN_KERNEL) == 4);        // packets 2 and 3 of the first two
  CHECK(filter.take().size() == 2 + 3);  // the first two streams' first packets, all of the third
  for (const std::uint32_t ssrc : {ssrcs[0], ssrcs[1]}) {
    const sipmon_rtp_stream_key key = key_of(ssrc);
    sipmon_rtp_kernel_stream entry{};
    REQUIRE(bpf_map_lookup_elem(streams_fd, &key, &entry) == 0);
    CHECK(entry.stats.packets == 3);
  }
  const sipmon_rtp_stream_key third = key_of(ssrcs[2]);
  sipmon_rtp_kernel_stream entry{};
  CHECK(bpf_map_lookup_elem(streams_fd, &third, &entry) != 0);
}

TEST_CASE("bpf rtp stats: with rtp_in_kernel off every RTP packet is copied", "[bpf][media][rtp]") {
  Filter filter({5060});
  REQUIRE(filter.skeleton->watch_media_endpoint(callee(), 50000, true, MediaEndpointPayloads{}));
  for (std::uint16_t seq = 1; seq <= 5; ++seq) filter.run(frame(rtp_payload({seq, 160u * seq})));
  CHECK(filter.take().size() == 5);
  CHECK(filter.counter(SIPMON_COUNTER_RTP_IN_KERNEL) == 0);
}

}  // namespace sipmon

namespace sipmon {

// Not a check: the cost figures of docs/media.md ("Statistics in the kernel"). Hidden ([.]);
// run with `sipmon_root_tests "[.rtp-cost]"` as root. BPF_PROG_TEST_RUN's average duration per run
// of the same RTP frame, with 10 000 streams in the map, kernel path vs copy path; then the
// user-space side of the copy path: reading the records out of the ring buffer into frames.
TEST_CASE("bpf rtp stats: cost per packet, kernel path vs copy path", "[.rtp-cost]") {
  constexpr std::uint32_t kStreams = 10'000;
  constexpr std::uint32_t kRepeat = 200'000;
  const auto measure = [&](bool in_kernel) {
    Filter filter({5060}, SIPMON_DEFAULT_SNAPLEN, 128u << 20, SIPMON_DEFAULT_VXLAN_PORT, in_kernel);
    REQUIRE(filter.skeleton->watch_media_endpoint(callee(), 50000, true, MediaEndpointPayloads{}));
    for (std::uint32_t ssrc = 1; ssrc <= kStreams; ++ssrc) filter.run(frame(rtp_payload({1, 160, 8, false, ssrc})));
    filter.take();
    const Packet packet = frame(rtp_payload({2, 320, 8, false, kStreams / 2}));
    LIBBPF_OPTS(bpf_test_run_opts, options, .data_in = packet.data(), .data_size_in = static_cast<__u32>(packet.size()),
                .repeat = kRepeat);
    REQUIRE(bpf_prog_test_run_opts(filter.skeleton->program_fd(), &options) == 0);
    // What live capture does per record (ebpf_live_source.cpp): the record into a frame.
    struct ToFrames : RecordSink {
      void on_record(Bytes record) override {
        Frame frame;
        if (record_to_frame(record, 0, buffer, frame)) ++frames;
      }
      std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(kRecordFrameBufferSize);
      std::size_t frames = 0;
    } sink;
    auto reader = RingbufReader::open(filter.skeleton->events_fd(), sink);
    REQUIRE(reader);
    const auto start = std::chrono::steady_clock::now();
    reader->consume();
    const std::size_t records = sink.frames;
    const double read_ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / kRepeat;
    std::printf("%s: %u ns per packet in the filter; %zu records copied (%zu bytes each); %.0f ns per record to read\n",
                in_kernel ? "kernel path" : "copy path", options.duration, records,
                records ? sizeof(capture_event) + packet.size() : 0, records ? read_ns : 0.0);
    return options.duration;
  };
  const auto kernel = measure(true);
  const auto copy = measure(false);
  CHECK(kernel > 0);
  CHECK(copy > 0);
}

}  // namespace sipmon
