#pragma once
// The key of a media endpoint (an address and a UDP port from SDP): the media tracker's endpoint
// table holds its endpoints under it, and a capture source that mirrors the endpoints it was told
// of (MediaEndpointObserver) uses the same key in a BoundedTable of its own.
#include <cstdint>
#include <cstring>

#include "analysis/call_key.h"
#include "analysis/ip_decoder.h"

namespace sipmon {

// The key domain of endpoint keys (media_tracker.cpp's stream keys use 2 and 3).
inline constexpr std::uint64_t kMediaEndpointKeyDomain = 1;

inline CallKey media_endpoint_key(const IpAddress& address, std::uint16_t port) {
  std::uint64_t low;
  std::uint64_t high;
  std::memcpy(&low, address.bytes.data(), 8);
  std::memcpy(&high, address.bytes.data() + 8, 8);
  return binary_key(kMediaEndpointKeyDomain, low, high, std::uint64_t{address.family} | std::uint64_t{port} << 8);
}

}  // namespace sipmon
