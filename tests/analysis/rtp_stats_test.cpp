// Figures worked out by hand from RFC 3550 A.1, A.3 and A.8 (the working is in the comments).
#include <catch2/catch.hpp>

#include <initializer_list>

#include "analysis/rtp_stats.h"

namespace {

constexpr __u64 kMs = 1'000'000;

struct Stream {
  sipmon_rtp_stats s{};
  bool started = false;
  sipmon_rtp_arrival add(__u16 seq, __u32 ts = 0, __u64 arrival_ns = 0, __u32 clock = 0, bool marker = false) {
    sipmon_rtp_arrival arrival = SIPMON_RTP_NEXT;
    if (!started) {
      sipmon_rtp_stats_start(&s, seq, arrival_ns);
      started = true;
    } else {
      arrival = sipmon_rtp_stats_update(&s, seq, arrival_ns);
    }
    sipmon_rtp_jitter_update(&s, ts, clock, marker ? 1 : 0, arrival_ns);
    return arrival;
  }
};

}  // namespace

TEST_CASE("rtp_stats: wrap-around, a gap, a duplicate and a late packet") {
  Stream st;
  // 65534, 65535, [0 missing] 1, 2, 2 again, 0 late, [3, 4 missing] 5
  CHECK(st.add(65534) == SIPMON_RTP_NEXT);
  CHECK(st.add(65535) == SIPMON_RTP_NEXT);
  CHECK(st.add(1) == SIPMON_RTP_NEXT);
  CHECK(st.add(2) == SIPMON_RTP_NEXT);
  CHECK(st.add(2) == SIPMON_RTP_DUPLICATE);
  CHECK(st.add(0) == SIPMON_RTP_LATE);
  CHECK(st.add(5) == SIPMON_RTP_NEXT);
  // Extended highest = 65536 + 5; expected = 65541 - 65534 + 1 = 8 (65534 .. 5).
  CHECK(sipmon_rtp_expected(&st.s) == 8);
  CHECK(st.s.packets == 7);
  CHECK(sipmon_rtp_lost(&st.s) == 1);  // 3 and 4 lost, the duplicate counted as received
  CHECK(st.s.duplicates == 1);
  CHECK(st.s.late == 1);
  CHECK(st.s.loss_bursts == 2);  // {0} and {3, 4} at arrival
  CHECK(st.s.burst_lost == 3);
  CHECK(st.s.largest_gap == 2);
  CHECK(st.s.cycles == 65536);
}

TEST_CASE("rtp_stats: lost goes negative when duplicates outnumber losses (A.3)") {
  Stream st;
  for (const __u16 seq : std::initializer_list<__u16>{1, 2, 2, 2, 3}) st.add(seq);
  CHECK(sipmon_rtp_expected(&st.s) == 3);
  CHECK(sipmon_rtp_lost(&st.s) == -2);
  CHECK(st.s.duplicates == 2);
}

TEST_CASE("rtp_stats: a jump beyond MAX_DROPOUT is a restart only when the next packet follows it") {
  Stream st;
  st.add(10);
  st.add(11);
  CHECK(st.add(5000) == SIPMON_RTP_STRAY);
  CHECK(st.add(5001) == SIPMON_RTP_RESTART);
  CHECK(st.add(5002) == SIPMON_RTP_NEXT);
  // Segments 10..11 (2) and 5000..5002 (3).
  CHECK(sipmon_rtp_expected(&st.s) == 5);
  CHECK(sipmon_rtp_lost(&st.s) == 0);
  CHECK(st.s.restarts == 1);
  CHECK(st.s.loss_bursts == 0);

  Stream lone;
  lone.add(10);
  CHECK(lone.add(30000) == SIPMON_RTP_STRAY);
  CHECK(lone.add(11) == SIPMON_RTP_NEXT);
  CHECK(lone.s.restarts == 0);
  CHECK(sipmon_rtp_expected(&lone.s) == 2);
}

TEST_CASE("rtp_stats: restart right after 65535 keeps the wrap") {
  Stream st;
  st.add(100);
  CHECK(st.add(65535) == SIPMON_RTP_STRAY);
  CHECK(st.add(0) == SIPMON_RTP_RESTART);
  CHECK(st.add(1) == SIPMON_RTP_NEXT);
  CHECK(sipmon_rtp_expected(&st.s) == 1 + 3);
}

TEST_CASE("rtp_stats: A.8 jitter, 8 kHz, 20 ms packets") {
  Stream st;
  st.add(1, 0, 0 * kMs, 8000, true);              // marker: the first packet of a talk spurt
  st.add(2, 160, 20 * kMs, 8000);                 // D = 20 - 20 = 0: J = 0
  st.add(3, 320, 45 * kMs, 8000);                 // D = 25 - 20 = 5 ms: J = 0 + (5 - 0) / 16 = 0.3125 ms
  st.add(4, 480, 60 * kMs, 8000);                 // D = 15 - 20 = -5 ms: J = 0.3125 + (5 - 0.3125) / 16 = 0.60546875 ms
  CHECK(st.s.jitter_q4_ns == 16 * 605'468 + 12);  // 0.60546875 ms * 16 = 9 687 500 ns
  CHECK(st.s.jitter_samples == 3);
  // Mean over the packets after the first: (0 + 0.3125 + 0.60546875) / 3 ms.
  CHECK(static_cast<double>(st.s.jitter_sum_q4_ns) / 16.0 / 3.0 == Approx(305'989.583).epsilon(1e-6));
  CHECK(st.s.jitter_max_q4_ns / 16 == 605'468);
  CHECK(st.s.first_ns == 0);
  CHECK(st.s.last_ns == 60 * kMs);
}

TEST_CASE("rtp_stats: timestamp wrap and a clock-less packet leave jitter right") {
  Stream st;
  st.add(1, 0xffffff60u, 0, 8000);  // 160 units before the wrap
  st.add(2, 0, 20 * kMs, 8000);     // exactly on time across the 32-bit wrap: J = 0
  st.add(3, 12345, 25 * kMs, 0);    // an event packet: no clock rate, no jitter change
  st.add(4, 160, 40 * kMs, 8000);   // on time relative to packet 2
  CHECK(st.s.jitter_q4_ns == 0);
  CHECK(st.s.jitter_samples == 2);
  CHECK(st.s.packets == 4);
}

TEST_CASE("rtp_stats: marker packets update jitter but are not sampled, negative timestamp step") {
  Stream st;
  st.add(1, 1000, 0, 1000);
  st.add(2, 990, 10 * kMs, 1000, true);  // ts 10 units back = -10 ms: D = 10 - (-10) = 20 ms
  CHECK(st.s.jitter_q4_ns == 20 * kMs);  // J = 20/16 ms, times 16
  CHECK(st.s.jitter_samples == 0);
  CHECK(st.s.jitter_max_q4_ns == 0);
}
