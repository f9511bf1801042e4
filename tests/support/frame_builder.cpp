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
  tcp[7] = 1;       // sequence number 1
  tcp[12] = 5 << 4;  // data offset: 5 words
  tcp[13] = 0x18;   // PSH|ACK
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
  out[6] = 0;  // hop-by-hop options
  out.insert(out.end(), {60, 0, 1, 4, 0, 0, 0, 0});     // -> destination options; PadN
  out.insert(out.end(), {upper, 0, 1, 4, 0, 0, 0, 0});  // -> the upper layer; PadN
  out.insert(out.end(), packet.begin() + 40, packet.end());
  set16(out, 4, static_cast<std::uint16_t>(out.size() - 40));
  return out;
}

}  // namespace sipmon::test
