#pragma once
// The kernel filter (bpf/sipmon.bpf.c) loaded for a test: frames are run through it by the kernel
// itself (BPF_PROG_TEST_RUN) and what it wrote to the ring buffer and its counters are read back.
// Needs root; shared by the filter's test files.
#include <catch2/catch.hpp>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <bpf/bpf.h>

#include "sources/bpf_skeleton.h"
#include "sources/ringbuf_reader.h"

namespace sipmon::test {

using Packet = std::vector<std::uint8_t>;

inline const std::string kBpfTestInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
    "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: c1\r\n"
    "CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

struct Records : RecordSink {
  void on_record(Bytes record) override { records.emplace_back(record.begin(), record.end()); }
  std::vector<Packet> records;
};

// A loaded filter, its ring buffer and what came out of it.
struct Filter {
  explicit Filter(std::vector<std::uint16_t> ports = {5060, 5061}, std::uint32_t snaplen = SIPMON_DEFAULT_SNAPLEN,
                  std::uint32_t ringbuf_bytes = 1u << 20, std::uint16_t vxlan_port = SIPMON_DEFAULT_VXLAN_PORT,
                  bool rtp_in_kernel = false, std::uint32_t max_rtp_streams = SIPMON_MAX_RTP_STREAMS)
      : ports_(std::move(ports)) {
    auto loaded = BpfSkeleton::load(BpfFilterSettings{.ports = ports_,
                                                      .snaplen = snaplen,
                                                      .ringbuf_bytes = ringbuf_bytes,
                                                      .vxlan_port = vxlan_port,
                                                      .rtp_in_kernel = rtp_in_kernel,
                                                      .max_rtp_streams = max_rtp_streams});
    if (!loaded) FAIL("cannot load the filter: " << loaded.error().error.message);
    skeleton.emplace(std::move(*loaded));
    auto ring = RingbufReader::open(skeleton->events_fd(), sink);
    if (!ring) FAIL(ring.error().message);
    reader.emplace(std::move(*ring));
  }

  // Runs the program on `frame` as if it arrived on a socket; the return value must be 0.
  void run(const Packet& frame) {
    LIBBPF_OPTS(bpf_test_run_opts, options, .data_in = frame.data(), .data_size_in = static_cast<__u32>(frame.size()),
                .repeat = 1);
    REQUIRE(bpf_prog_test_run_opts(skeleton->program_fd(), &options) == 0);
    CHECK(options.retval == 0);  // nothing is ever queued on the socket
  }

  std::vector<Packet> take() {
    sink.records.clear();
    reader->consume();
    return sink.records;
  }

  std::uint64_t counter(sipmon_counter index) const { return skeleton->counters()[index]; }

  std::vector<std::uint16_t> ports_;
  Records sink;
  std::optional<BpfSkeleton> skeleton;
  std::optional<RingbufReader> reader;
};

inline capture_event header_of(const Packet& record) {
  capture_event event{};
  REQUIRE(record.size() >= sizeof(event));
  std::memcpy(&event, record.data(), sizeof(event));
  return event;
}

inline Packet payload_of(const Packet& record) { return Packet(record.begin() + sizeof(capture_event), record.end()); }

}  // namespace sipmon::test
