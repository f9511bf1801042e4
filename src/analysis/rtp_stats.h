/* RFC 3550 receiver statistics of one RTP stream (one SSRC in one direction): packets, expected
 * and lost (Appendix A.1/A.3: extended highest sequence number with wrap-around and resync after
 * a large jump), duplicates, late packets, runs of missing sequence numbers, and the interarrival
 * jitter of Appendix A.8.
 *
 * Plain C with UAPI integer types, no floating point, no division by a signed number and no
 * loop: issue 22 includes this same header in the BPF program, so kernel and user space compute
 * the same figures by the same code. The caller passes the arrival time (nanoseconds, any epoch
 * as long as it is monotonic for the stream) and the payload type's clock rate; the header reads
 * no clock and keeps no pointer. docs/media.md explains every figure. */
#ifndef SIPMON_RTP_STATS_H
#define SIPMON_RTP_STATS_H

#include <linux/types.h>

#define SIPMON_RTP_SEQ_MOD 65536u
/* RFC 3550 A.1's suggested bounds: a forward jump up to MAX_DROPOUT is loss; a backward step up
 * to MAX_MISORDER is a late packet; anything else is a restart if the next packet follows it. */
#define SIPMON_RTP_MAX_DROPOUT 3000u
#define SIPMON_RTP_MAX_MISORDER 100u
/* Sequence numbers remembered below the highest for telling a duplicate from a late packet: one
 * 64-bit mask (packets later than this are counted late, never duplicate). */
#define SIPMON_RTP_HISTORY 64u
#define SIPMON_RTP_NO_BAD_SEQ 0x10001u /* A.1's RTP_SEQ_MOD + 1: no restart candidate pending */

struct sipmon_rtp_stats {
  __u64 packets;         /* every packet received, the first, late ones and duplicates included */
  __u64 duplicates;      /* a sequence number already received (within SIPMON_RTP_HISTORY) */
  __u64 late;            /* arrived after a higher sequence number; duplicates not included */
  __u64 loss_bursts;     /* forward jumps of more than one: runs of missing numbers at arrival */
  __u64 burst_lost;      /* the numbers those runs skipped (late arrivals may fill some later) */
  __u64 restarts;        /* A.1: a jump beyond MAX_DROPOUT confirmed by the next packet */
  __u64 expected_before; /* numbers expected in the segments before the last restart */
  __u64 first_ns;        /* arrival of the first and the last packet */
  __u64 last_ns;
  __u64 seen; /* bit i set: max_seq - i was received */
  /* Jitter (A.8) in nanoseconds, kept times 16 as A.8's integer form does. */
  __u64 jitter_q4_ns;
  __u64 jitter_sum_q4_ns; /* sum of the jitter after each sampled packet (for the mean) */
  __u64 jitter_max_q4_ns;
  __u64 jitter_samples;  /* packets after the first with a clock rate and no marker bit */
  __u64 prev_arrival_ns; /* arrival and RTP timestamp of the last packet with a clock rate */
  __u32 prev_rtp_ts;
  __u32 base_seq;    /* first sequence number of the current segment */
  __u32 cycles;      /* sequence wraps, times 65536 */
  __u32 bad_seq;     /* A.1: the number that would confirm a restart */
  __u32 largest_gap; /* the longest run of missing numbers seen at arrival */
  __u16 max_seq;     /* highest sequence number received */
  __u8 have_prev;    /* prev_* hold a packet with a clock rate */
  __u8 pad;
};

/* What one packet did to the sequence. */
enum sipmon_rtp_arrival {
  SIPMON_RTP_NEXT = 0,      /* the next number, or a forward jump (loss before it) */
  SIPMON_RTP_LATE = 1,      /* below the highest number, not received before */
  SIPMON_RTP_DUPLICATE = 2, /* received before */
  SIPMON_RTP_STRAY = 3,     /* a jump beyond MAX_DROPOUT, not (yet) confirmed */
  SIPMON_RTP_RESTART = 4,   /* the packet after a stray one: the sender restarted its numbering */
};

/* RTP timestamp units to nanoseconds; a negative difference stays negative. */
static inline __s64 sipmon_rtp_ts_to_ns(__s32 ts_delta, __u32 clock_rate) {
  __u64 magnitude = ts_delta < 0 ? (__u64)(-(__s64)ts_delta) : (__u64)ts_delta;
  __u64 ns = magnitude * 1000000000ull / clock_rate;
  return ts_delta < 0 ? -(__s64)ns : (__s64)ns;
}

static inline void sipmon_rtp_stats_start(struct sipmon_rtp_stats *s, __u16 seq, __u64 arrival_ns) {
  __builtin_memset(s, 0, sizeof(*s));
  s->packets = 1;
  s->base_seq = seq;
  s->max_seq = seq;
  s->bad_seq = SIPMON_RTP_NO_BAD_SEQ;
  s->seen = 1;
  s->first_ns = arrival_ns;
  s->last_ns = arrival_ns;
}

/* A.8: J += (|D| - J) / 16 with D the change in transit time between this packet and the last
 * one with a clock rate. clock_rate 0 (RFC 4733 events, unknown payload types) leaves jitter alone.
 * Marker packets (talk spurt starts, RFC 3551 §4.1) update J but are not sampled for the mean and
 * maximum, as tshark does. */
static inline void sipmon_rtp_jitter_update(struct sipmon_rtp_stats *s, __u32 rtp_ts, __u32 clock_rate, __u8 marker,
                                            __u64 arrival_ns) {
  if (clock_rate == 0) return;
  if (s->have_prev) {
    __s64 arrival_delta = (__s64)(arrival_ns - s->prev_arrival_ns);
    __s64 d = arrival_delta - sipmon_rtp_ts_to_ns((__s32)(rtp_ts - s->prev_rtp_ts), clock_rate);
    __u64 abs_d = d < 0 ? (__u64)(-d) : (__u64)d;
    s->jitter_q4_ns += abs_d - ((s->jitter_q4_ns + 8) >> 4);
    if (!marker) {
      s->jitter_sum_q4_ns += s->jitter_q4_ns;
      s->jitter_samples += 1;
      if (s->jitter_q4_ns > s->jitter_max_q4_ns) s->jitter_max_q4_ns = s->jitter_q4_ns;
    }
  }
  s->prev_arrival_ns = arrival_ns;
  s->prev_rtp_ts = rtp_ts;
  s->have_prev = 1;
}

/* Every packet after the first (sipmon_rtp_stats_start handles the first; call the jitter update
 * for it as well). */
static inline enum sipmon_rtp_arrival sipmon_rtp_stats_update(struct sipmon_rtp_stats *s, __u16 seq, __u64 arrival_ns) {
  __u16 forward = (__u16)(seq - s->max_seq);
  __u16 back = (__u16)(s->max_seq - seq);

  s->packets += 1;
  if (arrival_ns > s->last_ns) s->last_ns = arrival_ns;

  if (forward != 0 && forward < SIPMON_RTP_MAX_DROPOUT) {
    if (seq < s->max_seq) s->cycles += SIPMON_RTP_SEQ_MOD;
    if (forward > 1) {
      __u32 missing = (__u32)forward - 1;
      s->loss_bursts += 1;
      s->burst_lost += missing;
      if (missing > s->largest_gap) s->largest_gap = missing;
    }
    s->seen = forward >= SIPMON_RTP_HISTORY ? 1 : (s->seen << forward) | 1;
    s->max_seq = seq;
    s->bad_seq = SIPMON_RTP_NO_BAD_SEQ;
    return SIPMON_RTP_NEXT;
  }
  if (forward != 0 && forward <= SIPMON_RTP_SEQ_MOD - SIPMON_RTP_MAX_MISORDER) {
    if (seq != s->bad_seq) {
      s->bad_seq = (seq + 1) & (SIPMON_RTP_SEQ_MOD - 1);
      return SIPMON_RTP_STRAY;
    }
    /* Two in a row: a new segment that begins with the stray packet before this one. */
    s->expected_before += (__u64)(s->cycles + s->max_seq) - s->base_seq + 1;
    s->base_seq = (__u16)(seq - 1);
    s->cycles = 0;
    if (seq == 0) /* the stray one was 65535: the segment has wrapped already */
      s->cycles = SIPMON_RTP_SEQ_MOD;
    s->max_seq = seq;
    s->seen = 3;
    s->bad_seq = SIPMON_RTP_NO_BAD_SEQ;
    s->restarts += 1;
    return SIPMON_RTP_RESTART;
  }
  /* At or below the highest number: a duplicate, or a packet overtaken by later ones. */
  if (back < SIPMON_RTP_HISTORY) {
    __u64 bit = 1ull << back;
    if (s->seen & bit) {
      s->duplicates += 1;
      return SIPMON_RTP_DUPLICATE;
    }
    s->seen |= bit;
  }
  s->late += 1;
  return SIPMON_RTP_LATE;
}

/* A.3: expected = extended highest - base + 1 (plus every earlier segment's). */
static inline __u64 sipmon_rtp_expected(const struct sipmon_rtp_stats *s) {
  __u64 extended_max = (__u64)s->cycles + s->max_seq;
  return s->expected_before + extended_max - s->base_seq + 1;
}

/* Cumulative number lost: negative when duplicates outnumber the losses, as A.3 says. */
static inline __s64 sipmon_rtp_lost(const struct sipmon_rtp_stats *s) {
  return (__s64)sipmon_rtp_expected(s) - (__s64)s->packets;
}

#endif /* SIPMON_RTP_STATS_H */
