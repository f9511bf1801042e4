#pragma once
// Small text helpers for SIP's case-insensitive, whitespace-tolerant grammar. All are views.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <type_traits>

namespace sipmon {

inline constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

namespace text_detail {

// The 8 bytes of `w` with 'A'-'Z' lower-cased and every other byte unchanged, all at once: per
// byte, bit 7 of (its low 7 bits + a constant) tells whether they reach 'A' and pass 'Z', without a
// carry into the next byte; bytes of 0x80 and above are left alone, as ascii_lower leaves them.
inline constexpr std::uint64_t lower_ascii_word(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  const std::uint64_t low7 = w & (0x7f * kOnes);
  const std::uint64_t from_a = low7 + (0x80 - 'A') * kOnes;
  const std::uint64_t past_z = low7 + (0x7f - 'Z') * kOnes;
  const std::uint64_t upper = from_a & ~past_z & ~w & (0x80 * kOnes);
  return w | (upper >> 2);
}

// The little-endian word of `length` (at most 8) bytes of `text` from `at`, zero-padded: a
// literal as the word a load of the same bytes reads, for switches and tables built at compile time.
constexpr std::uint64_t little_endian_word(std::string_view text, std::size_t at, std::size_t length) {
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < length; ++i) word |= std::uint64_t{static_cast<std::uint8_t>(text[at + i])} << (8 * i);
  return word;
}

// `n` (1 to 8) bytes at `p` in one word: the first and the last 1, 2 or 4 (overlapping when `n` is
// not a power of two), or all 8. Both sides of a compare are loaded alike, so the overlap is harmless.
inline std::uint64_t load_up_to_8(const char* p, std::size_t n) {
  if (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  if (n >= 4) {
    std::uint32_t a;
    std::uint32_t b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    return (std::uint64_t{b} << 32) | a;
  }
  if (n >= 2) {
    std::uint16_t a;
    std::uint16_t b;
    std::memcpy(&a, p, 2);
    std::memcpy(&b, p + n - 2, 2);
    return (std::uint64_t{b} << 16) | a;
  }
  return static_cast<unsigned char>(*p);
}

}  // namespace text_detail

// `lower` must already be lower case (it is always a literal). Eight bytes a step, lower-cased
// together (text_detail::lower_ascii_word): this compares header parameter names, start lines and
// every rtpmap's codec name, where the byte loop cost ~6 instructions a byte. The same answer as
// comparing ascii_lower(text[i]) with lower[i] byte by byte, which it still does at compile time.
inline constexpr bool iequals(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  if (std::is_constant_evaluated()) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (ascii_lower(text[i]) != lower[i]) return false;
    }
    return true;
  }
  const std::size_t n = text.size();
  if (n == 0) return true;
  std::size_t i = 0;
  for (; i + 8 < n; i += 8) {
    if (text_detail::lower_ascii_word(text_detail::load_up_to_8(text.data() + i, 8)) !=
        text_detail::load_up_to_8(lower.data() + i, 8)) {
      return false;
    }
  }
  // The last 1 to 8 bytes; past the first word, the 8 that end the text (overlapping the last step).
  const std::size_t at = n > 8 ? n - 8 : 0;
  const std::size_t rest = n - at;
  return text_detail::lower_ascii_word(text_detail::load_up_to_8(text.data() + at, rest)) ==
         text_detail::load_up_to_8(lower.data() + at, rest);
}

inline constexpr bool istarts_with(std::string_view text, std::string_view lower) {
  return text.size() >= lower.size() && iequals(text.substr(0, lower.size()), lower);
}

// Linear white space as SIP folds it: spaces, tabs and the CR/LF of continuation lines.
// One compare and a bit test instead of four compares: trim() runs on every header name and value.
inline constexpr bool is_lws(char c) {
  constexpr std::uint64_t kLws = (1ull << ' ') | (1ull << '\t') | (1ull << '\r') | (1ull << '\n');
  return static_cast<unsigned char>(c) <= ' ' && ((kLws >> static_cast<unsigned char>(c)) & 1u) != 0;
}

// Runs on every header name and value: indices rather than remove_prefix/suffix keep it to a
// compare or two when there is nothing to trim (the common case).
inline constexpr std::string_view trim(std::string_view text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && is_lws(text[begin])) ++begin;
  while (end > begin && is_lws(text[end - 1])) --end;
  return std::string_view(text.data() + begin, end - begin);
}

inline constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

namespace text_detail {

// RFC 3261 token characters (method names, parameter names), as the rule reads.
inline constexpr bool is_token_char_rule(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)) return true;
  switch (c) {
    case '-':
    case '.':
    case '!':
    case '%':
    case '*':
    case '_':
    case '+':
    case '`':
    case '\'':
    case '~':
      return true;
    default:
      return false;
  }
}

inline constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (std::size_t c = 0; c < table.size(); ++c) table[c] = is_token_char_rule(static_cast<char>(c));
  return table;
}();

}  // namespace text_detail

// RFC 3261 token characters (method names, parameter names). One table load instead of the rule's
// range checks and switch: every message's CSeq method and every request's method are checked
// byte by byte.
inline constexpr bool is_token_char(char c) { return text_detail::kTokenChars[static_cast<unsigned char>(c)]; }

// Parses a non-empty run of digits that fits in 32 bits; anything else is nullopt.
inline constexpr std::optional<std::uint32_t> parse_u32(std::string_view digits) {
  if (digits.empty() || digits.size() > 10) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > 0xffffffffu) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

// A port number, 0-65535, in decimal digits only (SIP's hostport, SDP's m= and a=rtcp).
inline constexpr std::optional<std::uint16_t> parse_port(std::string_view digits) {
  const auto value = parse_u32(digits);
  if (!value || *value > 0xffff) return std::nullopt;
  return static_cast<std::uint16_t>(*value);
}

}  // namespace sipmon
