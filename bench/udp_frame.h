#pragma once
// Ethernet/IPv4/UDP (port 5060 both ways) around a payload, addresses 10.0.0.<src> and
// 10.0.0.<dst>: the frames the benchmarks and the allocation check feed the engine.
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace sipmon::bench {

inline std::vector<std::uint8_t> udp_frame(std::string_view payload, std::uint8_t src, std::uint8_t dst) {
  std::vector<std::uint8_t> frame(14 + 20 + 8 + payload.size(), 0);
  frame[12] = 0x08;  // EtherType IPv4
  std::uint8_t* ip = frame.data() + 14;
  const std::size_t ip_len = 20 + 8 + payload.size();
  ip[0] = 0x45;
  ip[2] = static_cast<std::uint8_t>(ip_len >> 8);
  ip[3] = static_cast<std::uint8_t>(ip_len);
  ip[8] = 64;
  ip[9] = 17;  // UDP
  ip[12] = 10, ip[15] = src;
  ip[16] = 10, ip[19] = dst;
  std::uint8_t* udp = ip + 20;
  udp[0] = 0x13, udp[1] = 0xc4, udp[2] = 0x13, udp[3] = 0xc4;
  udp[4] = static_cast<std::uint8_t>((8 + payload.size()) >> 8);
  udp[5] = static_cast<std::uint8_t>(8 + payload.size());
  std::memcpy(udp + 8, payload.data(), payload.size());
  return frame;
}

}  // namespace sipmon::bench
