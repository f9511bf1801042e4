#include "support/frame_builder.h"

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
