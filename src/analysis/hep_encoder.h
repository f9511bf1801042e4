#pragma once
// Writes one SIP message as a HEPv3 packet (the format Homer, Kamailio's sipcapture and
// `sipmon live --hep-listen` read), into a buffer the caller owns: no allocation.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "analysis/payload.h"

namespace sipmon {

struct HepIdentity {
  std::uint32_t capture_id = 0;  // chunk 0x000c: which capture agent sent the packet
  std::string_view auth_key;     // chunk 0x000e, left out when empty
};

// The size of the packet encode_hep3 writes for `payload`.
std::size_t hep3_encoded_size(const Payload& payload, const HepIdentity& identity);

// Encodes `payload` (its addresses, ports, transport, capture time and bytes) as HEPv3 with
// protocol type SIP. Returns the number of bytes written, or 0 when `out` is too small or the
// packet would exceed HEPv3's 64 KiB limit.
std::size_t encode_hep3(const Payload& payload, const HepIdentity& identity, std::span<std::uint8_t> out);

}  // namespace sipmon
