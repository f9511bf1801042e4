#pragma once
// Byte views and big-endian loads. Every decoder reads the packet through these, never through
// casts to packed structs, so alignment and strict aliasing are never an issue.
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace sipmon {

using Bytes = std::span<const std::uint8_t>;

inline std::uint16_t load_be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
inline std::uint32_t load_le32(const std::uint8_t* p) {
  return (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) | p[0];
}

// The `n` (1 to 8) bytes of text at `p` as a little-endian word, whatever the machine's order:
// constants built from text ("\r\n", ";branch=", a header name) then compare alike everywhere.
inline std::uint64_t load_le_text(const char* p, std::size_t n = 8) {
  std::uint64_t word = 0;
  std::memcpy(&word, p, n);
  if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
  return word;
}

inline std::string_view as_text(Bytes bytes) { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }

}  // namespace sipmon
