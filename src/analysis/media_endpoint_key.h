#pragma once
// The key of a media endpoint (an address and a UDP port from SDP): the media tracker's endpoint
// table holds its endpoints under it, and a capture source that mirrors the endpoints it was told
// of (MediaEndpointObserver) uses the same key in a BoundedTable of its own.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "analysis/call_key.h"
#include "analysis/ip_decoder.h"

namespace sipmon {

// The key domain of endpoint keys (media_tracker.cpp's stream keys use 2 and 3).
inline constexpr std::uint64_t kMediaEndpointKeyDomain = 1;

inline CallKey media_endpoint_key(const IpAddress& address, std::uint16_t port) {
  char bytes[19];
  std::memcpy(bytes, address.bytes.data(), 16);
  bytes[16] = static_cast<char>(address.family);
  bytes[17] = static_cast<char>(port >> 8);
  bytes[18] = static_cast<char>(port & 0xff);
  return binary_key(kMediaEndpointKeyDomain, std::string_view(bytes, sizeof bytes));
}

}  // namespace sipmon
