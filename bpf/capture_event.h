/* The contract between the kernel filter (bpf/sipmon.bpf.c) and user space
 * (src/sources/ebpf_live_source.cpp): the header of every ring-buffer record and the indexes of
 * the per-CPU counters. Plain C with UAPI types so both clang -target bpf and g++ include it;
 * the C++ side pins the layout with static_asserts. */
#ifndef SIPMON_BPF_CAPTURE_EVENT_H
#define SIPMON_BPF_CAPTURE_EVENT_H

#include <linux/types.h>

/* Largest packet the filter copies: a full 64 KiB IP packet (loopback MTU, GSO super-packets
 * on the sending host) plus an Ethernet header with two VLAN tags. */
#define SIPMON_MAX_SNAPLEN 65560u
/* Default snap length: every frame lo or a jumbo-frame NIC delivers, whole. */
#define SIPMON_DEFAULT_SNAPLEN 65560u
/* SIP ports the filter can hold; --ports beyond this is refused by user space. */
#define SIPMON_MAX_PORTS 16

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

#define SIPMON_EVENT_FRAGMENT 0x01u  /* an IP fragment (first or later) of a matching datagram */
#define SIPMON_EVENT_TRUNCATED 0x02u /* cap_len < wire_len */

/* Indexes into the per-CPU "counters" array map. User space sums them over CPUs. */
enum sipmon_counter {
  SIPMON_COUNTER_SEEN = 0,               /* packets the filter ran on (loopback duplicates excluded) */
  SIPMON_COUNTER_LOOPBACK_OUT = 1,       /* loopback's outgoing copies, skipped: seen again on input */
  SIPMON_COUNTER_MATCHED = 2,            /* UDP/TCP to or from a SIP port, or a fragment of such */
  SIPMON_COUNTER_COPIED = 3,             /* matched packets written to the ring buffer */
  SIPMON_COUNTER_TRUNCATED = 4,          /* copied, but longer than the snap length */
  SIPMON_COUNTER_RINGBUF_FULL = 5,       /* matched but lost: no room in the ring buffer */
  SIPMON_COUNTER_LOAD_FAILED = 6,        /* matched but lost: packet bytes could not be read */
  SIPMON_COUNTER_FRAGMENTS = 7,          /* matched packets that were IP fragments */
  SIPMON_COUNTER_PAGED = 8,              /* copied through bpf_skb_load_bytes: not all in the linear area */
  SIPMON_COUNTER_HEADERS_UNREADABLE = 9, /* seen, but a header the verdict needs lies past the frame's end */
  SIPMON_COUNTER_COUNT = 10,
};

#endif /* SIPMON_BPF_CAPTURE_EVENT_H */
