// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sipmon's kernel-side capture: a socket filter on an AF_PACKET socket that picks SIP traffic
 * (UDP/TCP/SCTP to or from configured ports, plus every IP fragment of such a datagram), also
 * inside the encapsulations the replay decoder follows (VLAN, MPLS, PPPoE; GRE with ERSPAN and
 * PPP; VXLAN; GTP-U; IPv4/IPv6 in IP; nested up to SIPMON_MAX_TUNNEL_DEPTH), and copies each
 * matching packet whole into a BPF ring buffer. It returns 0 for every packet, so nothing is
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
const volatile __u16 vxlan_port = SIPMON_DEFAULT_VXLAN_PORT;
/* Issue 22: RTP to a media endpoint is measured here (the rtp_streams map) instead of copied;
 * 0 (--rtp-in-user-space) copies every packet as before. */
const volatile __u8 rtp_in_kernel = 0;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, SIPMON_DEFAULT_RINGBUF_BYTES); /* --ringbuf-size overrides before load */
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, SIPMON_COUNTER_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} counters SEC(".maps");

/* A datagram being fragmented: later fragments carry no ports, so the first fragment of a
 * matching datagram leaves its identity here. LRU: abandoned datagrams age out by themselves.
 * Fragments inside a tunnel are keyed by their own (inner) addresses, as the decoder does. */
struct frag_key {
  __u32 src[4]; /* IPv4 uses src[0] */
  __u32 dst[4];
  __u32 id;    /* IPv4 identification (16 bits) or IPv6 fragment header identification */
  __u8 family; /* 4 or 6 */
  __u8 proto;  /* the datagram's protocol: UDP, TCP, SCTP, GRE, IP-in-IP... */
  __u8 pad[2];
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 8192);
  __type(key, struct frag_key);
  __type(value, __u8);
} fragments SEC(".maps");

/* RTP and RTCP endpoints of the calls, written by user space as SDP is seen (capture_event.h).
 * Not preallocated: the kernel allocates an entry when user space adds it. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SIPMON_MAX_MEDIA_ENDPOINTS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct sipmon_media_endpoint);
  __type(value, struct sipmon_media_endpoint_value);
} media_endpoints SEC(".maps");

/* Per-stream RFC 3550 state (capture_event.h): updated in place by the filter, read and deleted
 * by user space. A plain hash, not preallocated: memory follows the streams present, and a full
 * map refuses a new stream (counted, the packet copied) instead of evicting one being measured,
 * as an LRU map would, silently. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SIPMON_MAX_RTP_STREAMS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct sipmon_rtp_stream_key);
  __type(value, struct sipmon_rtp_kernel_stream);
} rtp_streams SEC(".maps");

/* One IP layer per tunnel level, plus the outermost. */
#define MAX_IP_LAYERS (SIPMON_MAX_TUNNEL_DEPTH + 1)

/* Where a record is assembled before bpf_ringbuf_output copies exactly header + cap_len bytes.
 * One slot per CPU (a per-CPU array value cannot exceed 32 KiB); user space sets max_entries to
 * the number of possible CPUs. Socket filters run with bottom halves disabled, so a slot is never
 * used by two filter runs at once. The walk's `pending` holds the first fragments met on the way in
 * (an outer and an inner datagram may both be fragmented): registered only once the packet matched. */
/* The state of one packet's walk, handed to every step (bpf_loop: the verifier checks a step
 * once, not once per layer and depth). It lives in the per-CPU scratch slot, not on the stack:
 * the verifier tracks no value in map memory, so the steps' states converge at once instead of
 * being explored for every combination of layer, depth and offset. */
struct walk {
  struct frag_key pending[MAX_IP_LAYERS]; /* first fragments met on the way in */
  struct frag_key key;                    /* the current IP header's addresses (and IPv6 fragment identification) */
  __u32 offset;
  __u32 frame_len;      /* MAC header to the end of the outermost IP packet */
  __u32 gtp_end;        /* end of the GTP-U message (its length field) */
  __u32 encapsulations; /* bit (1 << counter index) per encapsulation crossed */
  __u16 ports[2];       /* the UDP ports, for the tunnel steps */
  __u8 layer;
  __u8 next_header;   /* IPv6 extension header or transport protocol */
  __u8 depth;         /* tunnels crossed, as the decoder counts them */
  __u8 ip_layers;     /* IP headers met (the first sets frame_len) */
  __u8 repeat;        /* tags, labels or extension headers of the current layer so far */
  __u8 pending_count; /* entries used in pending */
  __u8 matched;
  __u8 fragment;
  __u8 v6_fragmented;
  __u8 v6_more;
  __u16 v6_frag_offset;
  __u8 media_dst;     /* UDP to a media endpoint (its destination is in the map) */
  __u32 media_offset; /* the UDP payload of that datagram (0: not media; a payload is never at 0) */
};

struct scratch {
  struct capture_event event;
  __u8 data[SIPMON_MAX_SNAPLEN];
  struct walk walk;
  struct sipmon_rtp_kernel_stream fresh; /* a new stream's entry, before it is inserted */
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct scratch);
} scratch SEC(".maps");

#define VLAN_HLEN 4
#define MAX_VLAN_TAGS 8   /* per Ethernet header, as the decoder (link_decoder.cpp) */
#define MAX_MPLS_LABELS 8 /* as the decoder */
#define MAX_IPV6_EXT 16   /* extension headers per IPv6 header, as the decoder (ip_decoder.cpp) */
#define MAX_GTP_EXT 8     /* GTP-U extension headers, as the decoder (tunnel_decoder.cpp) */
/* Headers walked per packet, one per step: enough for every layer above at full depth, so the
 * limits that bind are the decoder's, never this one. */
#define MAX_STEPS 256
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
#define IPPROTO_SCTP_ 132
#define IPPROTO_IPV4_ 4
#define IPPROTO_IPV6_ 41
#define IPPROTO_GRE_ 47

#define ETH_P_MPLS_UC_ 0x8847
#define ETH_P_MPLS_MC_ 0x8848
#define ETH_P_PPP_SES_ 0x8864
#define ETH_P_QINQ_OLD1 0x9100
#define ETH_P_QINQ_OLD2 0x9200
#define GRE_P_ETHERNET 0x6558 /* transparent Ethernet bridging */
#define GRE_P_PPP 0x880b
#define GRE_P_ERSPAN12 0x88be /* type I (no header) or II (8-byte header, S flag set) */
#define GRE_P_ERSPAN3 0x22eb
#define ERSPAN2_HLEN 8
#define ERSPAN3_HLEN 12
#define ERSPAN3_PLATFORM_HLEN 8
#define VXLAN_HLEN 8
#define GTP_HLEN 8
#define GTP_GPDU 0xff
#define PPPOE_HLEN 6

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

static __always_inline int is_vlan(__u16 ethertype_be) {
  return ethertype_be == bpf_htons(ETH_P_8021Q) || ethertype_be == bpf_htons(ETH_P_8021AD) ||
         ethertype_be == bpf_htons(ETH_P_QINQ_OLD1) || ethertype_be == bpf_htons(ETH_P_QINQ_OLD2);
}

static __always_inline int sip_port(__u16 port) {
#pragma unroll
  for (int i = 0; i < SIPMON_MAX_PORTS; i++) {
    if (i >= port_count) break;
    if (sip_ports[i] == port) return 1;
  }
  return 0;
}

/* What the walk reads next, at walk.offset. */
enum layer {
  LAYER_ETHERTYPE, /* a 2-byte ethertype (after MAC addresses, a tag, ...) */
  LAYER_MPLS,      /* an MPLS label stack entry */
  LAYER_PPP,       /* a PPP header (optional HDLC address/control, protocol) */
  LAYER_IP,        /* an IP header, version from its first nibble */
  LAYER_IPV6_EXT,  /* an IPv6 extension header, or the transport, per walk.next_header */
  LAYER_TRANSPORT, /* UDP, TCP or SCTP ports, per walk.next_header */
  LAYER_GRE,
  LAYER_VXLAN,
  LAYER_GTP,
  LAYER_GTP_EXT,
  LAYER_DONE,
};

static __always_inline long stop(struct walk *w) {
  w->layer = LAYER_DONE;
  return 1;
}

/* A header the filter needs that neither load can read: the frame ends before it. Counted, so
 * that a frame the filter could not judge is never silently lost. */
static __always_inline long unreadable(struct walk *w) {
  count(SIPMON_COUNTER_HEADERS_UNREADABLE);
  return stop(w);
}

static __always_inline void crossed(struct walk *w, __u32 counter) { w->encapsulations |= 1u << counter; }

/* Into a tunnel's payload: one level deeper, as the decoder counts it (GRE, VXLAN, GTP-U and
 * IP-in-IP each add one). */
static __always_inline long enter_tunnel(struct walk *w, __u32 counter, __u32 offset, __u8 layer) {
  crossed(w, counter);
  w->depth += 1;
  w->offset = offset;
  w->layer = layer;
  w->repeat = 0;
  return 0;
}

static __always_inline long ethertype_at(struct walk *w, __u32 offset) {
  w->offset = offset;
  w->layer = LAYER_ETHERTYPE;
  w->repeat = 0;
  return 0;
}

/* The IP protocol that follows an IP header (and its extension headers). */
static __always_inline long after_ip(struct walk *w, __u8 proto, __u32 offset) {
  w->offset = offset;
  w->next_header = proto;
  w->repeat = 0;
  switch (proto) {
    case IPPROTO_UDP:
    case IPPROTO_TCP:
    case IPPROTO_SCTP_:
      w->layer = LAYER_TRANSPORT;
      return 0;
    case IPPROTO_IPV4_:
    case IPPROTO_IPV6_:
      return enter_tunnel(w, SIPMON_COUNTER_IP_IN_IP, offset, LAYER_IP);
    case IPPROTO_GRE_:
      return enter_tunnel(w, SIPMON_COUNTER_GRE, offset, LAYER_GRE);
    default:
      return stop(w);
  }
}

/* A fragment: a later one (offset != 0) carries no headers and matches when the first fragment
 * of its datagram did; a first one is followed on, and registered if the packet matches. */
static __always_inline long fragment(struct walk *w, struct frag_key *key, __u32 frag_offset, int more) {
  w->fragment = 1;
  if (frag_offset != 0) {
    w->matched = bpf_map_lookup_elem(&fragments, key) != NULL;
    return stop(w);
  }
  if (more) {
    __u32 n = w->pending_count;
    if (n < MAX_IP_LAYERS) {
      __builtin_memcpy(&w->pending[n], key, sizeof(*key));
      w->pending_count = n + 1;
    }
  }
  return 0;
}

static __always_inline long step_ipv4(struct __sk_buff *skb, struct walk *w) {
  struct iphdr ip;
  struct frag_key key = {};
  if (load(skb, w->offset, &ip, sizeof(ip)) < 0) return unreadable(w);
  if (ip.ihl < 5) return stop(w);
  if (w->ip_layers++ == 0) w->frame_len = w->offset + bpf_ntohs(ip.tot_len);
  /* The addresses, for the media endpoint map at the transport layer. */
  __builtin_memset(&w->key, 0, sizeof(w->key));
  w->key.src[0] = ip.saddr;
  w->key.dst[0] = ip.daddr;
  w->key.family = 4;
  __u16 frag = bpf_ntohs(ip.frag_off);
  if (frag & (IP_OFFSET | IP_MF)) {
    key.src[0] = ip.saddr;
    key.dst[0] = ip.daddr;
    key.id = ip.id;
    key.family = 4;
    key.proto = ip.protocol;
    if (fragment(w, &key, frag & IP_OFFSET, (frag & IP_MF) != 0)) return 1;
  }
  return after_ip(w, ip.protocol, w->offset + ip.ihl * 4);
}

static __always_inline long step_ipv6(struct __sk_buff *skb, struct walk *w) {
  struct ipv6hdr ip;
  if (load(skb, w->offset, &ip, sizeof(ip)) < 0) return unreadable(w);
  if (w->ip_layers++ == 0) w->frame_len = w->offset + sizeof(ip) + bpf_ntohs(ip.payload_len);
  __builtin_memset(&w->key, 0, sizeof(w->key));
  __builtin_memcpy(w->key.src, &ip.saddr, sizeof(w->key.src));
  __builtin_memcpy(w->key.dst, &ip.daddr, sizeof(w->key.dst));
  w->key.family = 6;
  w->v6_fragmented = 0;
  w->offset += sizeof(ip);
  w->next_header = ip.nexthdr;
  w->layer = LAYER_IPV6_EXT;
  w->repeat = 0;
  return 0;
}

static __always_inline long step_ip(struct __sk_buff *skb, struct walk *w) {
  __u8 version;
  if (w->depth > SIPMON_MAX_TUNNEL_DEPTH) {
    count(SIPMON_COUNTER_TUNNEL_TOO_DEEP);
    return stop(w);
  }
  if (load(skb, w->offset, &version, 1) < 0) return unreadable(w);
  if ((version >> 4) == 4) return step_ipv4(skb, w);
  if ((version >> 4) == 6) return step_ipv6(skb, w);
  return stop(w);
}

struct ext_header {
  __u8 nexthdr;
  __u8 len;
  __u16 frag_off; /* fragment header only */
  __u32 id;       /* fragment header only */
};

static __always_inline long step_ipv6_ext(struct __sk_buff *skb, struct walk *w) {
  __u8 next = w->next_header;
  if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS && next != IPPROTO_FRAGMENT &&
      next != IPPROTO_AH)
    return after_ip(w, next, w->offset);
  if (w->repeat++ >= MAX_IPV6_EXT) return stop(w);
  struct ext_header ext;
  if (load(skb, w->offset, &ext, sizeof(ext)) < 0) return unreadable(w);
  w->next_header = ext.nexthdr;
  if (next == IPPROTO_FRAGMENT) {
    __u16 fo = bpf_ntohs(ext.frag_off);
    w->offset += 8;
    w->key.id = ext.id;
    /* The Fragment header's next header is the datagram's protocol, in every fragment. */
    w->key.proto = ext.nexthdr;
    struct frag_key key = w->key;
    return fragment(w, &key, fo >> 3, fo & 1) ? 1 : 0;
  }
  if (next == IPPROTO_AH)
    w->offset += ((__u32)ext.len + 2) * 4;
  else
    w->offset += ((__u32)ext.len + 1) * 8;
  return 0;
}

/* UDP to or from a media endpoint of a call (the current IP header's addresses): 2 when to one,
 * 1 when only from one. */
static __always_inline int media_endpoint(struct walk *w, __u16 src, __u16 dst) {
  struct sipmon_media_endpoint key = {};
  __builtin_memcpy(key.address, w->key.dst, sizeof(key.address));
  key.port = dst;
  key.family = w->key.family;
  if (bpf_map_lookup_elem(&media_endpoints, &key)) return 2;
  __builtin_memcpy(key.address, w->key.src, sizeof(key.address));
  key.port = src;
  return bpf_map_lookup_elem(&media_endpoints, &key) != NULL;
}

static __always_inline long step_transport(struct __sk_buff *skb, struct walk *w) {
  __u16 ports[2];
  if (load(skb, w->offset, ports, sizeof(ports)) < 0) return unreadable(w);
  __u16 src = bpf_ntohs(ports[0]), dst = bpf_ntohs(ports[1]);
  if (sip_port(src) || sip_port(dst)) {
    if (w->next_header == IPPROTO_SCTP_) crossed(w, SIPMON_COUNTER_SCTP);
    w->matched = 1;
    return stop(w);
  }
  if (w->next_header != IPPROTO_UDP) return stop(w);
  w->ports[0] = src;
  w->ports[1] = dst;
  w->offset += 8;
  /* Tunnels on well-known UDP ports, in the decoder's order: VXLAN, then GTP-U. */
  if (src == vxlan_port || dst == vxlan_port) {
    w->layer = LAYER_VXLAN;
    return 0;
  }
  if (src == SIPMON_GTPU_PORT || dst == SIPMON_GTPU_PORT) {
    w->layer = LAYER_GTP;
    return 0;
  }
  int media = media_endpoint(w, src, dst);
  if (media) {
    w->matched = 1;
    w->media_dst = media == 2;
    w->media_offset = w->offset;
  }
  return stop(w);
}

static __always_inline long step_vxlan(struct __sk_buff *skb, struct walk *w) {
  __u8 h[VXLAN_HLEN];
  if (load(skb, w->offset, h, sizeof(h)) < 0) return unreadable(w);
  /* The decoder's test: I flag set, nothing else but G, last byte reserved. */
  if ((h[0] & 0x08) && !(h[0] & 0x77) && h[7] == 0) {
    enter_tunnel(w, SIPMON_COUNTER_VXLAN, w->offset + VXLAN_HLEN + 12, LAYER_ETHERTYPE);
    return 0;
  }
  /* Not VXLAN: the decoder tries GTP-U next when the other port says so. */
  if (w->ports[0] == SIPMON_GTPU_PORT || w->ports[1] == SIPMON_GTPU_PORT) {
    w->layer = LAYER_GTP;
    return 0;
  }
  return stop(w);
}

static __always_inline long step_gtp(struct __sk_buff *skb, struct walk *w) {
  __u8 h[GTP_HLEN + 4];
  if (load(skb, w->offset, h, GTP_HLEN) < 0) return unreadable(w);
  __u8 flags = h[0];
  if ((flags >> 5) != 1 || !(flags & 0x10) || h[1] != GTP_GPDU) return stop(w); /* GTPv1 user data only */
  w->gtp_end = w->offset + GTP_HLEN + (((__u32)h[2] << 8) | h[3]);
  if (!(flags & 0x07)) return enter_tunnel(w, SIPMON_COUNTER_GTPU, w->offset + GTP_HLEN, LAYER_IP);
  /* E, S or PN: sequence number, N-PDU number and next extension type follow. */
  if (w->offset + GTP_HLEN + 4 > w->gtp_end) return stop(w);
  if (load(skb, w->offset + GTP_HLEN, h + GTP_HLEN, 4) < 0) return unreadable(w);
  w->next_header = h[GTP_HLEN + 3];
  w->offset += GTP_HLEN + 4;
  w->layer = LAYER_GTP_EXT;
  w->repeat = 0;
  return 0;
}

static __always_inline long step_gtp_ext(struct __sk_buff *skb, struct walk *w) {
  if (w->next_header == 0) return enter_tunnel(w, SIPMON_COUNTER_GTPU, w->offset, LAYER_IP);
  if (w->repeat++ >= MAX_GTP_EXT) return stop(w);
  __u8 units;
  if (w->offset + 1 > w->gtp_end) return stop(w);
  if (load(skb, w->offset, &units, 1) < 0) return unreadable(w);
  __u32 length = (__u32)units * 4;
  if (length == 0 || w->offset + length > w->gtp_end) return stop(w);
  if (load(skb, w->offset + length - 1, &w->next_header, 1) < 0) return unreadable(w);
  w->offset += length;
  return 0;
}

static __always_inline long step_gre(struct __sk_buff *skb, struct walk *w) {
  __u8 h[4];
  if (load(skb, w->offset, h, sizeof(h)) < 0) return unreadable(w);
  __u8 flags = h[0], version = h[1] & 0x07;
  __u16 protocol = ((__u16)h[2] << 8) | h[3];
  __u32 length = 4;
  int sequence = (flags & 0x10) != 0;
  if (version == 0) {
    if (flags & 0x40) return stop(w); /* RFC 1701 source routing: the decoder does not follow it */
    length += ((flags & 0x80) ? 4 : 0) + ((flags & 0x20) ? 4 : 0) + (sequence ? 4 : 0);
  } else if (version == 1) {
    length += 4 + (sequence ? 4 : 0) + ((h[1] & 0x80) ? 4 : 0); /* enhanced GRE (PPTP) */
  } else {
    return stop(w);
  }
  __u32 inner = w->offset + length;
  switch (protocol) {
    case ETH_P_IP:
    case ETH_P_IPV6:
      w->offset = inner;
      w->layer = LAYER_IP;
      return 0;
    case GRE_P_ETHERNET:
      return ethertype_at(w, inner + 12);
    case GRE_P_PPP:
      crossed(w, SIPMON_COUNTER_GRE_PPP);
      w->offset = inner;
      w->layer = LAYER_PPP;
      return 0;
    case GRE_P_ERSPAN12:
      crossed(w, SIPMON_COUNTER_ERSPAN);
      return ethertype_at(w, inner + (sequence ? ERSPAN2_HLEN : 0) + 12);
    case GRE_P_ERSPAN3: {
      __u8 last;
      crossed(w, SIPMON_COUNTER_ERSPAN);
      if (load(skb, inner + ERSPAN3_HLEN - 1, &last, 1) < 0) return unreadable(w);
      /* The O flag announces an 8-byte platform-specific subheader. */
      return ethertype_at(w, inner + ERSPAN3_HLEN + ((last & 0x01) ? ERSPAN3_PLATFORM_HLEN : 0) + 12);
    }
    default:
      return stop(w);
  }
}

static __always_inline long step_ethertype(struct __sk_buff *skb, struct walk *w) {
  __u16 type;
  if (load(skb, w->offset, &type, sizeof(type)) < 0) return unreadable(w);
  if (is_vlan(type)) {
    if (w->repeat++ >= MAX_VLAN_TAGS) return stop(w);
    crossed(w, SIPMON_COUNTER_VLAN);
    w->offset += VLAN_HLEN;
    return 0;
  }
  __u32 after = w->offset + 2;
  w->repeat = 0;
  switch (bpf_ntohs(type)) {
    case ETH_P_IP:
    case ETH_P_IPV6:
      w->offset = after;
      w->layer = LAYER_IP;
      return 0;
    case ETH_P_PPP_SES_:
      crossed(w, SIPMON_COUNTER_PPPOE);
      w->offset = after + PPPOE_HLEN;
      w->layer = LAYER_PPP;
      return 0;
    case ETH_P_MPLS_UC_:
    case ETH_P_MPLS_MC_:
      crossed(w, SIPMON_COUNTER_MPLS);
      w->offset = after;
      w->layer = LAYER_MPLS;
      return 0;
    default:
      return stop(w);
  }
}

static __always_inline long step_mpls(struct __sk_buff *skb, struct walk *w) {
  __u8 label[4];
  if (w->repeat++ >= MAX_MPLS_LABELS) return stop(w);
  if (load(skb, w->offset, label, sizeof(label)) < 0) return unreadable(w);
  w->offset += 4;
  if (label[2] & 0x01) w->layer = LAYER_IP; /* bottom of stack: IP, told by its version */
  return 0;
}

static __always_inline long step_ppp(struct __sk_buff *skb, struct walk *w) {
  __u8 h[4];
  __u32 offset = w->offset;
  if (load(skb, offset, h, 2) < 0) return unreadable(w);
  if (h[0] == 0xff && h[1] == 0x03) { /* HDLC address and control */
    offset += 2;
    if (load(skb, offset, h, 2) < 0) return unreadable(w);
  }
  __u16 protocol = h[0];
  if (protocol & 1) { /* protocol-field compression (RFC 1661 §6.5) */
    offset += 1;
  } else {
    protocol = (protocol << 8) | h[1];
    offset += 2;
  }
  if (protocol != 0x0021 && protocol != 0x0057) return stop(w); /* IPv4, IPv6 */
  w->offset = offset;
  w->layer = LAYER_IP;
  return 0;
}

/* What bpf_loop hands each step: pointers only (they cannot be stored in map memory). */
struct walk_ctx {
  struct __sk_buff *skb;
  struct scratch *slot;
};

/* One header per call; 1 ends the walk. */
static long walk_step(__u64 index, void *ctx) {
  struct walk_ctx *c = ctx;
  struct __sk_buff *skb = c->skb;
  struct walk *w = &c->slot->walk;
  switch (w->layer) {
    case LAYER_ETHERTYPE:
      return step_ethertype(skb, w);
    case LAYER_MPLS:
      return step_mpls(skb, w);
    case LAYER_PPP:
      return step_ppp(skb, w);
    case LAYER_IP:
      return step_ip(skb, w);
    case LAYER_IPV6_EXT:
      return step_ipv6_ext(skb, w);
    case LAYER_TRANSPORT:
      return step_transport(skb, w);
    case LAYER_GRE:
      return step_gre(skb, w);
    case LAYER_VXLAN:
      return step_vxlan(skb, w);
    case LAYER_GTP:
      return step_gtp(skb, w);
    case LAYER_GTP_EXT:
      return step_gtp_ext(skb, w);
    default:
      return 1;
  }
}

/* Copies the frame into the ring buffer as one record of exactly header + cap_len bytes. */
static __always_inline void emit(struct __sk_buff *skb, struct scratch *slot, __u32 frame_len, int fragment) {
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
  if (size > sizeof(struct capture_event) + SIPMON_MAX_SNAPLEN) {
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

/* Counts the encapsulations a matched packet crossed, one counter each. */
static __always_inline void count_encapsulations(__u32 crossed_bits) {
#pragma unroll
  for (__u32 i = 0; i < SIPMON_COUNTER_COUNT; i++) {
    if (crossed_bits & (1u << i)) count(i);
  }
}

/* Issue 22: RTP to a media endpoint updates its stream's entry in rtp_streams with the shared
 * RFC 3550 code (analysis/rtp_stats.h, the media tracker's) and is not copied. Returns 1 when the
 * packet was measured here and needs no copy; 0 copies it: RTCP, a packet the media tracker would
 * not take for RTP (it counts those), a stream's first packet (user space learns the stream's
 * call, SSRC and payload type from it) and packets whose payload type is not the first one's
 * (RFC 4733 events, which user space counts). The acceptance tests are parse_rtp's and on_udp's
 * (rtp_packet.cpp, media_tracker.cpp), so both paths measure the same packets. */
static __always_inline int rtp_measured(struct __sk_buff *skb, struct scratch *slot) {
  struct walk *w = &slot->walk;
  __u32 offset = w->media_offset;
  __u16 udp_length;
  __u8 h[12];
  if (offset < 4 || load(skb, offset - 4, &udp_length, sizeof(udp_length)) < 0) return 0;
  __u32 length = bpf_ntohs(udp_length);
  if (length < 8 + sizeof(h)) return 0;
  length -= 8;
  if (load(skb, offset, h, sizeof(h)) < 0 || (h[0] >> 6) != 2) return 0;

  struct sipmon_rtp_stream_key key = {};
  __builtin_memcpy(key.dst.address, w->key.dst, sizeof(key.dst.address));
  key.dst.port = w->ports[1];
  key.dst.family = w->key.family;
  struct sipmon_media_endpoint_value *endpoint = bpf_map_lookup_elem(&media_endpoints, &key.dst);
  if (!endpoint) return 0;
  if ((endpoint->flags & SIPMON_ENDPOINT_RTCP) && h[1] >= 192 && h[1] <= 223) return 0; /* RTCP */
  if (!(endpoint->flags & SIPMON_ENDPOINT_RTP)) return 0;
  __u32 header = 12 + 4 * (__u32)(h[0] & 0x0f);
  if (header > length) return 0;
  if (h[0] & 0x10) { /* header extension: its length in words */
    __u16 extension[2];
    if (header + 4 > length || load(skb, offset + header, extension, sizeof(extension)) < 0) return 0;
    header += 4 + 4 * (__u32)bpf_ntohs(extension[1]);
    if (header > length) return 0;
  }
  __u8 payload_type = h[1] & 0x7f;
  __u8 marker = h[1] >> 7;
  __u16 sequence = ((__u16)h[2] << 8) | h[3];
  __u32 timestamp = ((__u32)h[4] << 24) | ((__u32)h[5] << 16) | ((__u32)h[6] << 8) | h[7];
  key.ssrc = ((__u32)h[8] << 24) | ((__u32)h[9] << 16) | ((__u32)h[10] << 8) | h[11];

  /* Resolved by user space as the media tracker does (the endpoint's rtpmap, then RFC 3551). */
  /* The index goes through map memory, where the verifier tracks no value: every path then
   * reaches the access with the same unknown 0..127 index, which it requires of programs loaded
   * without CAP_PERFMON (Spectre v1 sanitation refuses one pointer addition reached with
   * differently bounded scalars). */
  *(volatile __u8 *)&slot->fresh.pad[0] = payload_type;
  __u32 index = *(volatile __u8 *)&slot->fresh.pad[0] & 0x7f;
  __u32 clock_rate = endpoint->clock_rates[index];

  __u64 now = bpf_ktime_get_ns();
  struct sipmon_rtp_kernel_stream *stream = bpf_map_lookup_elem(&rtp_streams, &key);
  if (!stream) {
    struct sipmon_rtp_kernel_stream *fresh = &slot->fresh;
    sipmon_rtp_stats_start(&fresh->stats, sequence, now);
    sipmon_rtp_jitter_update(&fresh->stats, timestamp, clock_rate, marker, now);
    fresh->first_payload_type = payload_type;
    fresh->busy = 0;
    if (bpf_map_update_elem(&rtp_streams, &key, fresh, BPF_NOEXIST) == 0)
      count(SIPMON_COUNTER_RTP_STREAMS);
    else
      count(SIPMON_COUNTER_RTP_STREAM_MAP_FULL);
    return 0;
  }
  /* Two CPUs may receive one stream's packets at once (several capture interfaces, RPS): the
   * entry's busy flag, taken by compare-and-exchange (BPF v3 atomics), keeps a second update out
   * of an entry being updated, which would otherwise interleave the two and could corrupt it (a
   * sequence wrap counted from a torn max_seq). The loser's packet is left out of the figures and
   * counted: no spinning in a socket filter, and bpf_spin_lock is refused there. */
  if (__sync_val_compare_and_swap(&stream->busy, 0, 1) != 0) {
    count(SIPMON_COUNTER_RTP_UPDATE_COLLISIONS);
    return 1;
  }
  sipmon_rtp_stats_update(&stream->stats, sequence, now);
  sipmon_rtp_jitter_update(&stream->stats, timestamp, clock_rate, marker, now);
  __sync_lock_test_and_set(&stream->busy, 0); /* an atomic exchange: the updates are visible first */
  if (payload_type != stream->first_payload_type) return 0;
  count(SIPMON_COUNTER_RTP_IN_KERNEL);
  return 1;
}

SEC("socket")
int sipmon_filter(struct __sk_buff *skb) {
  /* On loopback every packet passes the tap twice, once leaving and once arriving. */
  if (skb->pkt_type == PACKET_OUTGOING && skb->ifindex == loopback_ifindex) {
    count(SIPMON_COUNTER_LOOPBACK_OUT);
    return 0;
  }
  count(SIPMON_COUNTER_SEEN);

  __u32 cpu = bpf_get_smp_processor_id();
  struct scratch *slot = bpf_map_lookup_elem(&scratch, &cpu);
  if (!slot) {
    count(SIPMON_COUNTER_LOAD_FAILED);
    return 0;
  }
  struct walk *w = &slot->walk;
  __builtin_memset(w, 0, sizeof(*w));
  w->offset = 12; /* the ethertype after the MAC addresses */
  w->layer = LAYER_ETHERTYPE;
  struct walk_ctx c = {.skb = skb, .slot = slot};
  bpf_loop(MAX_STEPS, walk_step, &c, 0);
  if (!w->matched) return 0;

  count(SIPMON_COUNTER_MATCHED);
  if (w->media_offset) count(SIPMON_COUNTER_MEDIA);
  if (w->fragment) count(SIPMON_COUNTER_FRAGMENTS);
  if (skb->vlan_present) crossed(w, SIPMON_COUNTER_VLAN);
  count_encapsulations(w->encapsulations);
  /* Only now is the packet known to be SIP: the first fragments it carried are registered, so
   * their datagrams' later fragments follow. */
  __u8 one = 1;
  __u32 pending = w->pending_count;
  for (__u32 i = 0; i < MAX_IP_LAYERS; i++) { /* a bounded loop: the verifier walks it */
    if (i >= pending) break;
    bpf_map_update_elem(&fragments, &w->pending[i], &one, BPF_ANY);
  }
  if (rtp_in_kernel && w->media_dst && !w->fragment && rtp_measured(skb, slot)) return 0;
  emit(skb, slot, w->frame_len, w->fragment);
  return 0;
}
