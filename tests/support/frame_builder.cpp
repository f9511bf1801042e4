#include "support/frame_builder.h"

#include <algorithm>

namespace sipmon::test {
namespace {

void put16(std::vector<std::uint8_t>& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

}  // namespace

std::vector<std::uint8_t> udp_ip_packet(std::string_view payload, const UdpSpec& spec) {
  std::vector<std::uint8_t> udp;
  put16(udp, spec.src_port);
  put16(udp, spec.dst_port);
  put16(udp, static_cast<std::uint16_t>(8 + payload.size()));
  put16(udp, 0);
  udp.insert(udp.end(), payload.begin(), payload.end());

  std::vector<std::uint8_t> ip;
  if (spec.ipv6) {
    ip = {0x60, 0, 0, 0};
    put16(ip, static_cast<std::uint16_t>(udp.size()));
    ip.push_back(17);  // next header: UDP
    ip.push_back(64);  // hop limit
    for (std::uint8_t last : {spec.src_last_octet, spec.dst_last_octet}) {
      const std::uint8_t address[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last};
      ip.insert(ip.end(), address, address + 16);
    }
  } else {
    ip = {0x45, 0};
    put16(ip, static_cast<std::uint16_t>(20 + udp.size()));
    ip.insert(ip.end(), {0x12, 0x34, 0x40, 0x00, 64, 17, 0, 0});  // id, DF, ttl, UDP, checksum
    ip.insert(ip.end(), {10, 0, 0, spec.src_last_octet, 10, 0, 0, spec.dst_last_octet});
  }
  ip.insert(ip.end(), udp.begin(), udp.end());
  return ip;
}

std::vector<std::uint8_t> ethernet(const std::vector<std::uint8_t>& ip_packet, bool ipv6,
                                   const std::vector<std::uint16_t>& vlan_tpids) {
  std::vector<std::uint8_t> frame = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
  std::uint16_t vid = 100;
  for (std::uint16_t tpid : vlan_tpids) {
    put16(frame, tpid);
    put16(frame, vid++);
  }
  put16(frame, ipv6 ? 0x86dd : 0x0800);
  frame.insert(frame.end(), ip_packet.begin(), ip_packet.end());
  return frame;
}

std::vector<std::uint8_t> linux_sll(const std::vector<std::uint8_t>& ip_packet, bool ipv6) {
  std::vector<std::uint8_t> frame = {0, 0, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 1, 0, 0};
  put16(frame, ipv6 ? 0x86dd : 0x0800);
  frame.insert(frame.end(), ip_packet.begin(), ip_packet.end());
  return frame;
}

std::vector<std::uint8_t> linux_sll2(const std::vector<std::uint8_t>& ip_packet, bool ipv6) {
  std::vector<std::uint8_t> frame;
  put16(frame, ipv6 ? 0x86dd : 0x0800);
  frame.insert(frame.end(), {0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 1, 0, 0});
  frame.insert(frame.end(), ip_packet.begin(), ip_packet.end());
  return frame;
}

std::vector<std::uint8_t> sip_udp_frame(std::string_view payload, const UdpSpec& spec) {
  return ethernet(udp_ip_packet(payload, spec), spec.ipv6);
}

std::vector<std::uint8_t> ip_packet(std::uint8_t protocol, const std::vector<std::uint8_t>& transport,
                                    const IpSpec& spec) {
  std::vector<std::uint8_t> ip;
  if (spec.ipv6) {
    ip = {0x60, 0, 0, 0};
    put16(ip, static_cast<std::uint16_t>(transport.size()));
    ip.push_back(protocol);
    ip.push_back(64);
    for (std::uint8_t last : {spec.src_last_octet, spec.dst_last_octet}) {
      const std::uint8_t address[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last};
      ip.insert(ip.end(), address, address + 16);
    }
  } else {
    ip = {0x45, 0};
    put16(ip, static_cast<std::uint16_t>(20 + transport.size()));
    put16(ip, spec.id);
    ip.insert(ip.end(), {0x00, 0x00, 64, protocol, 0, 0});
    ip.insert(ip.end(), {10, 0, 0, spec.src_last_octet, 10, 0, 0, spec.dst_last_octet});
  }
  ip.insert(ip.end(), transport.begin(), transport.end());
  return ip;
}

std::vector<std::uint8_t> tcp_segment(std::string_view payload, const TcpSpec& spec) {
  std::vector<std::uint8_t> tcp;
  put16(tcp, spec.src_port);
  put16(tcp, spec.dst_port);
  put16(tcp, static_cast<std::uint16_t>(spec.seq >> 16));
  put16(tcp, static_cast<std::uint16_t>(spec.seq));
  tcp.insert(tcp.end(), {0, 0, 0, 1});  // ack number
  tcp.push_back(0x50);                  // header length 20
  tcp.push_back(
      static_cast<std::uint8_t>(0x10 | (spec.fin ? 0x01 : 0) | (spec.syn ? 0x02 : 0) | (spec.rst ? 0x04 : 0)));
  tcp.insert(tcp.end(), {0xff, 0xff, 0, 0, 0, 0});  // window, checksum, urgent
  tcp.insert(tcp.end(), payload.begin(), payload.end());
  return tcp;
}

std::vector<std::uint8_t> tcp_frame(std::string_view payload, const TcpSpec& spec, const IpSpec& ip) {
  return ethernet(ip_packet(6, tcp_segment(payload, spec), ip), ip.ipv6);
}

std::vector<std::uint8_t> ipv4_fragment(const std::vector<std::uint8_t>& whole, std::size_t offset, std::size_t length,
                                        bool more) {
  std::vector<std::uint8_t> ip(whole.begin(), whole.begin() + 20);
  ip.insert(ip.end(), whole.begin() + 20 + static_cast<std::ptrdiff_t>(offset),
            whole.begin() + 20 + static_cast<std::ptrdiff_t>(offset + length));
  ip[2] = static_cast<std::uint8_t>(ip.size() >> 8);
  ip[3] = static_cast<std::uint8_t>(ip.size());
  const std::uint16_t flags_offset = static_cast<std::uint16_t>((more ? 0x2000 : 0) | (offset / 8));
  ip[6] = static_cast<std::uint8_t>(flags_offset >> 8);
  ip[7] = static_cast<std::uint8_t>(flags_offset);
  return ip;
}

std::vector<std::uint8_t> ipv6_fragment(const std::vector<std::uint8_t>& whole, std::size_t offset, std::size_t length,
                                        bool more, std::uint32_t id) {
  std::vector<std::uint8_t> ip(whole.begin(), whole.begin() + 40);
  const std::uint8_t next = ip[6];
  ip[6] = 44;  // Fragment header
  ip.insert(ip.end(), {next, 0});
  put16(ip, static_cast<std::uint16_t>(offset | (more ? 1 : 0)));
  put16(ip, static_cast<std::uint16_t>(id >> 16));
  put16(ip, static_cast<std::uint16_t>(id));
  ip.insert(ip.end(), whole.begin() + 40 + static_cast<std::ptrdiff_t>(offset),
            whole.begin() + 40 + static_cast<std::ptrdiff_t>(offset + length));
  const std::size_t payload_length = ip.size() - 40;
  ip[4] = static_cast<std::uint8_t>(payload_length >> 8);
  ip[5] = static_cast<std::uint8_t>(payload_length);
  return ip;
}

std::vector<std::uint8_t> sctp_data_chunk(std::string_view payload, std::uint8_t flags, std::uint32_t tsn,
                                          std::uint16_t stream) {
  std::vector<std::uint8_t> chunk = {0, flags};
  put16(chunk, static_cast<std::uint16_t>(16 + payload.size()));
  put16(chunk, static_cast<std::uint16_t>(tsn >> 16));
  put16(chunk, static_cast<std::uint16_t>(tsn));
  put16(chunk, stream);
  put16(chunk, 0);                          // stream sequence
  chunk.insert(chunk.end(), {0, 0, 0, 0});  // PPID
  chunk.insert(chunk.end(), payload.begin(), payload.end());
  while (chunk.size() % 4 != 0) chunk.push_back(0);
  return chunk;
}

std::vector<std::uint8_t> sctp_packet(const std::vector<std::vector<std::uint8_t>>& chunks, std::uint16_t src_port,
                                      std::uint16_t dst_port) {
  std::vector<std::uint8_t> sctp;
  put16(sctp, src_port);
  put16(sctp, dst_port);
  sctp.insert(sctp.end(), {0, 0, 0, 1, 0, 0, 0, 0});  // verification tag, checksum
  for (const auto& chunk : chunks) sctp.insert(sctp.end(), chunk.begin(), chunk.end());
  return sctp;
}

std::vector<std::uint8_t> gre(std::uint16_t protocol, const std::vector<std::uint8_t>& inner, bool with_sequence) {
  std::vector<std::uint8_t> header = {static_cast<std::uint8_t>(with_sequence ? 0x10 : 0x00), 0};
  put16(header, protocol);
  if (with_sequence) header.insert(header.end(), {0, 0, 0, 9});
  header.insert(header.end(), inner.begin(), inner.end());
  return header;
}

std::vector<std::uint8_t> websocket_frame(std::string_view payload, std::uint8_t opcode, bool fin,
                                          const std::uint8_t* mask) {
  std::vector<std::uint8_t> frame = {static_cast<std::uint8_t>((fin ? 0x80 : 0) | opcode)};
  const std::uint8_t mask_bit = mask ? 0x80 : 0;
  if (payload.size() < 126) {
    frame.push_back(static_cast<std::uint8_t>(mask_bit | payload.size()));
  } else {
    frame.push_back(static_cast<std::uint8_t>(mask_bit | 126));
    put16(frame, static_cast<std::uint16_t>(payload.size()));
  }
  if (mask) frame.insert(frame.end(), mask, mask + 4);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    frame.push_back(static_cast<std::uint8_t>(payload[i] ^ (mask ? mask[i & 3] : 0)));
  }
  return frame;
}

Frame make_frame(const std::vector<std::uint8_t>& bytes, LinkType link, std::int64_t ts_ns) {
  return Frame{.ts_ns = ts_ns,
               .link_type = static_cast<std::uint32_t>(link),
               .wire_len = static_cast<std::uint32_t>(bytes.size()),
               .data = Bytes(bytes.data(), bytes.size())};
}

}  // namespace sipmon::test

namespace sipmon::test {
namespace {

void set16(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint16_t value) {
  bytes[offset] = static_cast<std::uint8_t>(value >> 8);
  bytes[offset + 1] = static_cast<std::uint8_t>(value);
}

}  // namespace

std::vector<std::uint8_t> tcp_ip_packet(std::string_view payload, const UdpSpec& spec) {
  // Build as UDP, then swap the 8-byte UDP header for a 20-byte TCP header.
  std::vector<std::uint8_t> packet = udp_ip_packet(payload, spec);
  const std::size_t l4 = spec.ipv6 ? 40 : 20;
  std::vector<std::uint8_t> tcp(20, 0);
  set16(tcp, 0, spec.src_port);
  set16(tcp, 2, spec.dst_port);
  tcp[7] = 1;        // sequence number 1
  tcp[12] = 5 << 4;  // data offset: 5 words
  tcp[13] = 0x18;    // PSH|ACK
  set16(tcp, 14, 65535);
  packet.erase(packet.begin() + static_cast<std::ptrdiff_t>(l4), packet.begin() + static_cast<std::ptrdiff_t>(l4 + 8));
  packet.insert(packet.begin() + static_cast<std::ptrdiff_t>(l4), tcp.begin(), tcp.end());
  if (spec.ipv6) {
    packet[6] = 6;  // next header: TCP
    set16(packet, 4, static_cast<std::uint16_t>(packet.size() - 40));
  } else {
    packet[9] = 6;
    set16(packet, 2, static_cast<std::uint16_t>(packet.size()));
  }
  return packet;
}

std::vector<std::vector<std::uint8_t>> ipv4_fragments(const std::vector<std::uint8_t>& packet,
                                                      std::size_t fragment_payload, std::uint16_t id) {
  const std::size_t chunk = fragment_payload / 8 * 8;
  std::vector<std::vector<std::uint8_t>> fragments;
  for (std::size_t offset = 20; offset < packet.size(); offset += chunk) {
    const std::size_t end = std::min(packet.size(), offset + chunk);
    std::vector<std::uint8_t> fragment(packet.begin(), packet.begin() + 20);
    fragment.insert(fragment.end(), packet.begin() + static_cast<std::ptrdiff_t>(offset),
                    packet.begin() + static_cast<std::ptrdiff_t>(end));
    set16(fragment, 2, static_cast<std::uint16_t>(fragment.size()));
    set16(fragment, 4, id);
    const bool more = end < packet.size();
    set16(fragment, 6, static_cast<std::uint16_t>((more ? 0x2000 : 0) | ((offset - 20) / 8)));
    fragments.push_back(std::move(fragment));
  }
  return fragments;
}

std::vector<std::vector<std::uint8_t>> ipv6_fragments(const std::vector<std::uint8_t>& packet,
                                                      std::size_t fragment_payload, std::uint32_t id) {
  const std::size_t chunk = fragment_payload / 8 * 8;
  const std::uint8_t next_header = packet[6];
  std::vector<std::vector<std::uint8_t>> fragments;
  for (std::size_t offset = 40; offset < packet.size(); offset += chunk) {
    const std::size_t end = std::min(packet.size(), offset + chunk);
    std::vector<std::uint8_t> fragment(packet.begin(), packet.begin() + 40);
    fragment[6] = 44;  // next header: fragment
    const bool more = end < packet.size();
    const auto offset_field = static_cast<std::uint16_t>(((offset - 40) / 8) << 3 | (more ? 1 : 0));
    fragment.insert(fragment.end(), {next_header, 0, static_cast<std::uint8_t>(offset_field >> 8),
                                     static_cast<std::uint8_t>(offset_field), static_cast<std::uint8_t>(id >> 24),
                                     static_cast<std::uint8_t>(id >> 16), static_cast<std::uint8_t>(id >> 8),
                                     static_cast<std::uint8_t>(id)});
    fragment.insert(fragment.end(), packet.begin() + static_cast<std::ptrdiff_t>(offset),
                    packet.begin() + static_cast<std::ptrdiff_t>(end));
    set16(fragment, 4, static_cast<std::uint16_t>(fragment.size() - 40));
    fragments.push_back(std::move(fragment));
  }
  return fragments;
}

std::vector<std::uint8_t> ipv6_with_extension_headers(const std::vector<std::uint8_t>& packet) {
  std::vector<std::uint8_t> out(packet.begin(), packet.begin() + 40);
  const std::uint8_t upper = packet[6];
  out[6] = 0;                                           // hop-by-hop options
  out.insert(out.end(), {60, 0, 1, 4, 0, 0, 0, 0});     // -> destination options; PadN
  out.insert(out.end(), {upper, 0, 1, 4, 0, 0, 0, 0});  // -> the upper layer; PadN
  out.insert(out.end(), packet.begin() + 40, packet.end());
  set16(out, 4, static_cast<std::uint16_t>(out.size() - 40));
  return out;
}

}  // namespace sipmon::test
