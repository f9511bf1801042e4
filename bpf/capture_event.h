/* The contract between the kernel filter (bpf/sipmon.bpf.c) and user space
 * (src/sources/ebpf_live_source.cpp): the header of every ring-buffer record and the indexes of
 * the per-CPU counters. Plain C with UAPI types so both clang -target bpf and g++ include it;
 * the C++ side pins the layout with static_asserts. */
#ifndef SIPMON_BPF_CAPTURE_EVENT_H
#define SIPMON_BPF_CAPTURE_EVENT_H

#include <linux/types.h>

#include "analysis/rtp_stats.h"

/* Largest packet the filter copies: a full 64 KiB IP packet (loopback MTU, GSO super-packets
 * on the sending host) plus an Ethernet header with two VLAN tags. */
#define SIPMON_MAX_SNAPLEN 65560u
/* Default snap length: every frame lo or a jumbo-frame NIC delivers, whole. */
#define SIPMON_DEFAULT_SNAPLEN 65560u
/* SIP ports the filter can hold; --ports beyond this is refused by user space. */
#define SIPMON_MAX_PORTS 16
/* Default ring buffer size (--ringbuf-size): a power of two, a multiple of the page size. */
#define SIPMON_DEFAULT_RINGBUF_BYTES (8u << 20)
/* Tunnels followed inside one another, as the replay decoder (DecoderLimits::max_tunnel_depth,
 * checked by a static_assert): a packet deeper than this is counted, not matched. */
#define SIPMON_MAX_TUNNEL_DEPTH 4
/* VXLAN's IANA port (RFC 7348), the default of --vxlan-port; GTP-U's (3GPP TS 29.281). */
#define SIPMON_DEFAULT_VXLAN_PORT 4789
#define SIPMON_GTPU_PORT 2152

/* One ring-buffer record = this header followed by cap_len packet bytes, starting at the MAC
 * header (Ethernet on every device sipmon captures on; loopback has zero MAC addresses). */
struct capture_event {
  __u64 ts_ns;       /* bpf_ktime_get_ns() when the filter ran: CLOCK_MONOTONIC, not wall time */
  __u32 wire_len;    /* frame length from the MAC header (IP total length + link header) */
  __u32 cap_len;     /* bytes that follow this header: min(wire_len, snap length) */
  __u32 ifindex;     /* interface the packet was seen on */
  __u16 vlan_tci;    /* outer 802.1Q tag the NIC/kernel stripped, valid when vlan_present */
  __u16 vlan_proto;  /* its TPID in host order (0x8100 or 0x88a8), valid when vlan_present */
  __u8 vlan_present; /* 1: re-insert the stripped tag before decoding */
  __u8 pkt_type;     /* PACKET_HOST, PACKET_OUTGOING, ... (linux/if_packet.h) */
  __u8 flags;        /* SIPMON_EVENT_* bits */
  __u8 pad[5];       /* explicit padding: the header is 32 bytes, the data 8-byte aligned */
};

/* The media endpoint map (docs/live.md, "Media"): user space writes the (address, port) of every
 * RTP and RTCP endpoint the calls' SDP announced, the filter copies UDP to or from one of them.
 * Twice the media tracker's endpoint table's entries (MediaConfig::max_endpoints: an entry holds
 * an RTP port and the RTCP port next to it): user space removes what the table removes, so the
 * map never fills first. */
#define SIPMON_MAX_MEDIA_ENDPOINTS 1048576
struct sipmon_media_endpoint {
  __u8 address[16]; /* network order; IPv4 in the first 4 bytes, the rest zero */
  __u16 port;       /* host order */
  __u8 family;      /* 4 or 6 */
  __u8 pad;
};

/* The value of an endpoint in the map (issue 22): whether RTP and RTCP arrive there, and the clock
 * rate of every payload type, as the media tracker chooses it (the endpoint's a=rtpmap, else RFC
 * 3551; 0 for RFC 4733 events, whose packets do not move the jitter), resolved by user space. A
 * whole table indexed by payload type: the filter reads one element, no search loop (which the
 * verifier refuses without CAP_PERFMON once the compiler merges its branches). 516 bytes, allocated
 * per endpoint present (the map is not preallocated). */
#define SIPMON_MEDIA_PAYLOAD_MAPS 8 /* a=rtpmap lines per endpoint user space resolves */
#define SIPMON_ENDPOINT_RTP 0x01u
#define SIPMON_ENDPOINT_RTCP 0x02u
struct sipmon_media_endpoint_value {
  __u32 clock_rates[128]; /* by payload type */
  __u8 flags;             /* SIPMON_ENDPOINT_* */
  __u8 pad[3];
};

/* RTP statistics in the kernel (docs/media.md, "Statistics in the kernel"): one entry per stream,
 * keyed as the media tracker keys it (the endpoint it was sent to, which names the call and the
 * direction, and the SSRC). The filter updates the RFC 3550 state of rtp_stats.h in place and
 * copies only a stream's first packet, packets whose payload type differs from the first one's
 * (RFC 4733 events, codec changes) and RTCP; user space reads the entries, hands them to the media
 * tracker and deletes those whose stream it finished. Not an LRU: a full map never drops a stream
 * being measured; a new stream that finds no room is copied to user space, which measures it, and
 * counted (rtp_stream_map_full). User space sizes the map to the media tracker's stream table
 * (MediaConfig::max_streams, --max-media-streams) before loading; this is the default. */
#define SIPMON_MAX_RTP_STREAMS 524288
struct sipmon_rtp_stream_key {
  struct sipmon_media_endpoint dst;
  __u32 ssrc; /* host order */
};
struct sipmon_rtp_kernel_stream {
  struct sipmon_rtp_stats stats; /* arrival times: bpf_ktime_get_ns (CLOCK_MONOTONIC) */
  __u8 first_payload_type;
  __u8 pad[7];
  /* 1 while a filter run updates `stats` (taken by compare-and-exchange): a second CPU with a
   * packet of the same stream at that instant does not touch the entry (rtp_update_collisions).
   * A socket filter cannot use bpf_spin_lock (the verifier refuses it). 64 bits: the filter is
   * built for BPF v1, which has 64-bit atomics only. */
  __u64 busy;
};

#define SIPMON_EVENT_FRAGMENT 0x01u  /* an IP fragment (first or later) of a matching datagram */
#define SIPMON_EVENT_TRUNCATED 0x02u /* cap_len < wire_len */

/* The per-CPU "counters" array map, written once here for both sides (an X-macro): the kernel
 * filter indexes it by the enum, user space names each slot from the same list, so a counter can
 * never lose its name. X(ID, name as reported, encapsulation it follows (1) or plain (0)).
 * Encapsulation counters count matched packets that crossed it (a packet in ERSPAN inside GRE
 * counts in both). User space sums them over CPUs. Both sides are built together, so the order
 * is free; the names are the JSON report's contract. */
#define SIPMON_KERNEL_COUNTERS(X)                                                                                      \
  X(SEEN, "seen", 0)                                   /* packets the filter ran on (loopback duplicates excluded) */  \
  X(LOOPBACK_OUT, "loopback_outgoing_skipped", 0)      /* loopback's outgoing copies: seen again on input */           \
  X(MATCHED, "matched", 0)                             /* SIP-port UDP/TCP/SCTP, media UDP, or a fragment */           \
  X(MEDIA, "media", 0)                                 /* matched as UDP to or from a call's media endpoint */         \
  X(COPIED, "copied", 0)                               /* matched packets written to the ring buffer */                \
  X(TRUNCATED, "truncated", 0)                         /* copied, but longer than the snap length */                   \
  X(RINGBUF_FULL, "ring_buffer_full", 0)               /* matched but lost: no room in the ring buffer */              \
  X(LOAD_FAILED, "load_failed", 0)                     /* matched but lost: packet bytes could not be read */          \
  X(FRAGMENTS, "fragments", 0)                         /* matched packets that were IP fragments (any layer) */        \
  X(PAGED, "paged", 0)                                 /* copied through bpf_skb_load_bytes: not all linear */         \
  X(HEADERS_UNREADABLE, "headers_unreadable", 0)       /* a header the verdict needs lies past the frame's end */      \
  X(TUNNEL_TOO_DEEP, "tunnel_too_deep", 0)             /* seen, not followed: more tunnels than the decoder's limit */ \
  X(VLAN, "vlan", 1)                                   /* matched with an 802.1Q/802.1ad tag (in frame or stripped) */ \
  X(MPLS, "mpls", 1)                                   /* matched under an MPLS label stack */                         \
  X(PPPOE, "pppoe", 1)                                 /* matched inside a PPPoE session */                            \
  X(GRE, "gre", 1)                                     /* matched inside GRE (any payload type) */                     \
  X(ERSPAN, "erspan", 1)                               /* matched inside ERSPAN type I, II or III (GRE) */             \
  X(GRE_PPP, "gre_ppp", 1)                             /* matched inside PPP carried by GRE (PPTP) */                  \
  X(VXLAN, "vxlan", 1)                                 /* matched inside VXLAN */                                      \
  X(GTPU, "gtpu", 1)                                   /* matched inside a GTP-U G-PDU */                              \
  X(IP_IN_IP, "ip_in_ip", 1)                           /* matched inside IPv4/IPv6 in IPv4/IPv6 */                     \
  X(SCTP, "sctp", 1)                                   /* matched SCTP packets (SIP in DATA chunks) */                 \
  X(RTP_IN_KERNEL, "rtp_in_kernel", 0)                 /* RTP counted in the stream map, not copied */                 \
  X(RTP_STREAMS, "rtp_kernel_streams", 0)              /* stream map entries created (first packets copied) */         \
  X(RTP_STREAM_MAP_FULL, "rtp_stream_map_full", 0)     /* a stream's entry could not be created: copied */             \
  X(RTP_UPDATE_COLLISIONS, "rtp_update_collisions", 0) /* another CPU was updating the entry: not measured */

enum sipmon_counter {
#define SIPMON_COUNTER_ENUM(id, name, encapsulation) SIPMON_COUNTER_##id,
  SIPMON_KERNEL_COUNTERS(SIPMON_COUNTER_ENUM)
#undef SIPMON_COUNTER_ENUM
      SIPMON_COUNTER_COUNT
};

#endif /* SIPMON_BPF_CAPTURE_EVENT_H */
