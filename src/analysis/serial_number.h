#pragma once
// RFC 1982 serial number arithmetic for 32-bit sequence numbers (TCP sequence numbers, SCTP
// TSNs). Two numbers are compared by their distance modulo 2^32: `a` is after `b` when
// 0 < a - b < 2^31, before it when 0 < b - a < 2^31, and the two are NOT comparable when they are
// exactly 2^31 apart (RFC 1982 §3.2 leaves that case undefined). Casting the difference to int32
// and negating it, the usual shortcut, is undefined behaviour for that one value (-INT32_MIN), and
// a capture can carry any sequence number.
#include <cstdint>

namespace sipmon {

enum class SerialOrder : std::uint8_t { same, after, before, incomparable };

struct SerialDistance {
  SerialOrder order = SerialOrder::same;
  std::uint32_t amount = 0;  // |a - b| for after/before; 2^31 for incomparable; 0 for same
};

// Where `a` lies relative to `b`.
constexpr SerialDistance serial_compare(std::uint32_t a, std::uint32_t b) {
  constexpr std::uint32_t kHalf = 0x80000000u;
  const std::uint32_t forward = a - b;  // unsigned: wraps, never undefined
  if (forward == 0) return {SerialOrder::same, 0};
  if (forward < kHalf) return {SerialOrder::after, forward};
  if (forward > kHalf) return {SerialOrder::before, static_cast<std::uint32_t>(0u - forward)};
  return {SerialOrder::incomparable, kHalf};
}

// True when `a` comes strictly before `b` (false for incomparable numbers).
constexpr bool serial_before(std::uint32_t a, std::uint32_t b) {
  return serial_compare(a, b).order == SerialOrder::before;
}

}  // namespace sipmon
