// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sipmon's kernel-side capture: a socket filter on an AF_PACKET socket that picks SIP traffic
 * (UDP/TCP to or from configured ports, plus every IP fragment of such a datagram) and copies
 * each matching packet whole into a BPF ring buffer. It returns 0 for every packet, so nothing is
 * ever queued on the socket: the ring buffer is the only way out.
 *
 * All reads are relative to the MAC header (BPF_HDR_START_MAC): a live packet socket and
 * BPF_PROG_TEST_RUN place skb->data differently, the MAC header is the same in both. Those reads
 * see only the skb's linear area, so each falls back to a plain load (see load()). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "capture_event.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Settings written by user space between open and load; frozen (read-only) afterwards, so the
 * verifier and JIT treat them as constants. */
const volatile __u16 sip_ports[SIPMON_MAX_PORTS] = {5060, 5061};
const volatile __u32 port_count = 2;
const volatile __u32 snaplen = SIPMON_DEFAULT_SNAPLEN;
const volatile __u32 loopback_ifindex = 1;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 8 << 20); /* --ringbuf-size overrides before load */
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, SIPMON_COUNTER_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} counters SEC(".maps");

/* A datagram being fragmented: later fragments carry no ports, so the first fragment of a
 * matching datagram leaves its identity here. LRU: abandoned datagrams age out by themselves. */
struct frag_key {
  __u32 src[4]; /* IPv4 uses src[0] */
  __u32 dst[4];
  __u32 id;    /* IPv4 identification (16 bits) or IPv6 fragment header identification */
  __u8 family; /* 4 or 6 */
  __u8 proto;  /* IPPROTO_UDP or IPPROTO_TCP */
  __u8 pad[2];
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 8192);
  __type(key, struct frag_key);
  __type(value, __u8);
} fragments SEC(".maps");

/* Where a record is assembled before bpf_ringbuf_output copies exactly header + cap_len bytes.
 * One slot per CPU (a per-CPU array value cannot exceed 32 KiB); user space sets max_entries to
 * the number of possible CPUs. Socket filters run with bottom halves disabled, so a slot is never
 * used by two filter runs at once. */
struct scratch {
  struct capture_event event;
  __u8 data[SIPMON_MAX_SNAPLEN];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct scratch);
} scratch SEC(".maps");

#define VLAN_HLEN 4
#define MAX_VLAN_TAGS 2 /* QinQ; a deeper stack is not SIP on a port we know */
#define MAX_IPV6_EXT 6  /* extension headers walked before giving up */
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

static __always_inline void count(__u32 index) {
  __u64 *value = bpf_map_lookup_elem(&counters, &index);
  if (value) *value += 1; /* per-CPU slot: no atomic needed */
}

/* MAC-relative loads read only the linear part of the skb. A frame written to an AF_PACKET
 * socket (tcpreplay, mirror setups) larger than a page keeps only its link header there
 * (packet_alloc_skb), the rest in page fragments: its IP and UDP headers were unreadable, so it
 * was never matched and no counter moved. On a live packet socket skb->data is the MAC header,
 * so the plain load at the same offset reads the same bytes through the fragments. (In
 * BPF_PROG_TEST_RUN skb->data is past the MAC header, but its data is always linear, so the
 * fallback is never taken there.) */
static __always_inline int load(struct __sk_buff *skb, __u32 offset, void *to, __u32 len) {
  if (bpf_skb_load_bytes_relative(skb, offset, to, len, BPF_HDR_START_MAC) == 0) return 0;
  return bpf_skb_load_bytes(skb, offset, to, len);
}

/* A header the filter needs that neither load can read: the frame ends before it. Counted, so
 * that a frame the filter could not judge is never silently lost. */
static __always_inline int unreadable(void) {
  count(SIPMON_COUNTER_HEADERS_UNREADABLE);
  return 0;
}

static __always_inline int is_vlan(__u16 ethertype_be) {
  return ethertype_be == bpf_htons(ETH_P_8021Q) || ethertype_be == bpf_htons(ETH_P_8021AD) ||
         ethertype_be == bpf_htons(0x9100);
}

static __always_inline int sip_port(__u16 port) {
#pragma unroll
  for (int i = 0; i < SIPMON_MAX_PORTS; i++) {
    if (i >= port_count) break;
    if (sip_ports[i] == port) return 1;
  }
  return 0;
}

/* UDP and TCP both start with source and destination port. */
static __always_inline int l4_matches(struct __sk_buff *skb, __u32 l4_offset, __u8 proto) {
  __u16 ports[2];
  if (proto != IPPROTO_UDP && proto != IPPROTO_TCP) return 0;
  if (load(skb, l4_offset, ports, sizeof(ports)) < 0) return unreadable();
  return sip_port(bpf_ntohs(ports[0])) || sip_port(bpf_ntohs(ports[1]));
}

struct verdict {
  __u32 frame_len; /* MAC header to end of the IP packet */
  int matched;
  int fragment;
};

/* A fragment of a datagram: the first one (offset 0) decides by its ports and, when it matches,
 * registers the datagram; later ones match when their datagram was registered. */
static __always_inline void fragment_verdict(struct __sk_buff *skb, struct frag_key *key, __u32 offset, int more,
                                             __u32 l4_offset, struct verdict *v) {
  __u8 one = 1;
  v->fragment = offset != 0 || more;
  if (offset != 0) {
    v->matched = bpf_map_lookup_elem(&fragments, key) != NULL;
    return;
  }
  v->matched = l4_matches(skb, l4_offset, key->proto);
  if (v->matched && more) bpf_map_update_elem(&fragments, key, &one, BPF_ANY);
}

static __always_inline void ipv4_verdict(struct __sk_buff *skb, __u32 l3, struct verdict *v) {
  struct iphdr ip;
  struct frag_key key = {};
  if (load(skb, l3, &ip, sizeof(ip)) < 0) {
    unreadable();
    return;
  }
  if (ip.version != 4 || ip.ihl < 5) return;
  v->frame_len = l3 + bpf_ntohs(ip.tot_len);
  __u16 frag = bpf_ntohs(ip.frag_off);
  key.src[0] = ip.saddr;
  key.dst[0] = ip.daddr;
  key.id = ip.id;
  key.family = 4;
  key.proto = ip.protocol;
  fragment_verdict(skb, &key, frag & IP_OFFSET, (frag & IP_MF) != 0, l3 + ip.ihl * 4, v);
}

struct ext_header {
  __u8 nexthdr;
  __u8 len;
  __u16 frag_off; /* fragment header only */
  __u32 id;       /* fragment header only */
};

static __always_inline void ipv6_verdict(struct __sk_buff *skb, __u32 l3, struct verdict *v) {
  struct ipv6hdr ip;
  struct frag_key key = {};
  struct ext_header ext;
  if (load(skb, l3, &ip, sizeof(ip)) < 0) {
    unreadable();
    return;
  }
  if (ip.version != 6) return;
  v->frame_len = l3 + sizeof(ip) + bpf_ntohs(ip.payload_len);
  __u8 next = ip.nexthdr;
  __u32 offset = l3 + sizeof(ip);
  __u32 frag_offset = 0;
  int fragmented = 0, more = 0;
#pragma unroll
  for (int i = 0; i < MAX_IPV6_EXT; i++) {
    if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS && next != IPPROTO_FRAGMENT &&
        next != IPPROTO_AH)
      break;
    if (load(skb, offset, &ext, sizeof(ext)) < 0) {
      unreadable();
      return;
    }
    if (next == IPPROTO_FRAGMENT) {
      __u16 fo = bpf_ntohs(ext.frag_off);
      fragmented = 1;
      frag_offset = fo >> 3;
      more = fo & 1;
      key.id = ext.id;
      offset += 8;
    } else if (next == IPPROTO_AH) {
      offset += ((__u32)ext.len + 2) * 4;
    } else {
      offset += ((__u32)ext.len + 1) * 8;
    }
    next = ext.nexthdr;
    if (fragmented && frag_offset != 0) break; /* what follows is payload, not headers */
  }
  if (!fragmented) {
    v->matched = l4_matches(skb, offset, next);
    return;
  }
  __builtin_memcpy(key.src, &ip.saddr, sizeof(key.src));
  __builtin_memcpy(key.dst, &ip.daddr, sizeof(key.dst));
  key.family = 6;
  /* A later fragment's "next header" is the same as the first's: the protocol of the datagram. */
  key.proto = next;
  fragment_verdict(skb, &key, frag_offset, more, offset, v);
}

/* Copies the frame into the ring buffer as one record of exactly header + cap_len bytes. */
static __always_inline void emit(struct __sk_buff *skb, __u32 frame_len, int fragment) {
  __u32 cpu = bpf_get_smp_processor_id();
  struct scratch *slot = bpf_map_lookup_elem(&scratch, &cpu);
  if (!slot) {
    count(SIPMON_COUNTER_LOAD_FAILED);
    return;
  }
  __u32 cap = frame_len < snaplen ? frame_len : snaplen;
  /* The verifier needs the bound on the very register handed to the helper: hide the value
   * from the compiler, then mask and range-check right before the calls. */
  asm volatile("" : "+r"(cap));
  cap &= 0x1ffff;
  if (cap < ETH_HLEN || cap > SIPMON_MAX_SNAPLEN) {
    count(SIPMON_COUNTER_LOAD_FAILED);
    return;
  }
  /* MAC-relative loads read only the linear part of the skb. Paged packets (large TCP sends,
   * NICs that receive into pages) only occur on live sockets, where skb->data is the MAC
   * header, so the plain load at offset 0 reads the same bytes through the fragments. */
  if (bpf_skb_load_bytes_relative(skb, 0, slot->data, cap, BPF_HDR_START_MAC) < 0) {
    if (bpf_skb_load_bytes(skb, 0, slot->data, cap) < 0) {
      count(SIPMON_COUNTER_LOAD_FAILED);
      return;
    }
    count(SIPMON_COUNTER_PAGED);
  }
  slot->event.ts_ns = bpf_ktime_get_ns();
  slot->event.wire_len = frame_len;
  slot->event.cap_len = cap;
  slot->event.ifindex = skb->ifindex;
  slot->event.vlan_present = skb->vlan_present;
  slot->event.vlan_tci = skb->vlan_present ? skb->vlan_tci : 0;
  slot->event.vlan_proto = skb->vlan_present ? bpf_ntohs(skb->vlan_proto) : 0;
  slot->event.pkt_type = skb->pkt_type;
  slot->event.flags = (fragment ? SIPMON_EVENT_FRAGMENT : 0) | (cap < frame_len ? SIPMON_EVENT_TRUNCATED : 0);

  __u64 size = sizeof(struct capture_event) + cap;
  asm volatile("" : "+r"(size));
  if (size > sizeof(struct scratch)) {
    count(SIPMON_COUNTER_LOAD_FAILED);
    return;
  }
  if (bpf_ringbuf_output(&events, slot, size, 0) < 0) {
    count(SIPMON_COUNTER_RINGBUF_FULL);
    return;
  }
  count(SIPMON_COUNTER_COPIED);
  if (cap < frame_len) count(SIPMON_COUNTER_TRUNCATED);
}

SEC("socket")
int sipmon_filter(struct __sk_buff *skb) {
  /* On loopback every packet passes the tap twice, once leaving and once arriving. */
  if (skb->pkt_type == PACKET_OUTGOING && skb->ifindex == loopback_ifindex) {
    count(SIPMON_COUNTER_LOOPBACK_OUT);
    return 0;
  }
  count(SIPMON_COUNTER_SEEN);

  __u16 ethertype;
  __u32 l3 = ETH_HLEN;
  if (load(skb, 12, &ethertype, sizeof(ethertype)) < 0) return unreadable();
#pragma unroll
  for (int i = 0; i < MAX_VLAN_TAGS; i++) {
    if (!is_vlan(ethertype)) break;
    if (load(skb, l3 + 2, &ethertype, sizeof(ethertype)) < 0) return unreadable();
    l3 += VLAN_HLEN;
  }

  struct verdict v = {};
  if (ethertype == bpf_htons(ETH_P_IP))
    ipv4_verdict(skb, l3, &v);
  else if (ethertype == bpf_htons(ETH_P_IPV6))
    ipv6_verdict(skb, l3, &v);
  if (!v.matched) return 0;

  count(SIPMON_COUNTER_MATCHED);
  if (v.fragment) count(SIPMON_COUNTER_FRAGMENTS);
  emit(skb, v.frame_len, v.fragment);
  return 0;
}
