#pragma once
// Small text helpers for SIP's case-insensitive, whitespace-tolerant grammar. All are views.
#include <cstdint>
#include <optional>
#include <string_view>

namespace sipmon {

inline constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// `lower` must already be lower case (it is always a literal).
inline constexpr bool iequals(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (ascii_lower(text[i]) != lower[i]) return false;
  }
  return true;
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

// RFC 3261 token characters (method names, parameter names).
inline constexpr bool is_token_char(char c) {
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
