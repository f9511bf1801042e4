#pragma once
// Telling TLS from SIP on a TCP stream (RFC 3261 §26.2: SIP over TLS, "sips:", port 5061). The
// bytes are not decrypted: a flow found to carry TLS is counted as encrypted and left alone.
#include <cstdint>

#include "analysis/bytes.h"

namespace sipmon {

inline constexpr std::uint16_t kSipsPort = 5061;

// A TLS record header (RFC 8446 §5.1, RFC 5246 §6.2.1): content type handshake, alert,
// change_cipher_spec or application_data, then protocol version 3.x.
inline bool looks_like_tls_record(Bytes stream) {
  return stream.size() >= 3 && stream[0] >= 20 && stream[0] <= 23 && stream[1] == 3 && stream[2] <= 4;
}

// Mid-stream, TLS records need not start where a segment does: on the SIPS port, bytes that are
// not SIP are taken to be TLS.
inline bool on_sips_port(std::uint16_t src_port, std::uint16_t dst_port) {
  return src_port == kSipsPort || dst_port == kSipsPort;
}

}  // namespace sipmon
