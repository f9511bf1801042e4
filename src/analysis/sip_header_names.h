#pragma once
// The headers the engine reads, found by full or compact name, case-insensitively
// (RFC 3261 §7.3.1, §7.3.3 and the compact forms registered since).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "analysis/bytes.h"
#include "analysis/text.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sipmon {

enum class HeaderId : std::uint8_t {
  via,      // v
  from,     // f
  to,       // t
  call_id,  // i
  cseq,
  content_length,  // l
  contact,         // m
  content_type,    // c
  max_forwards,
  session_expires,  // x (RFC 4028)
  min_se,           // RFC 4028
  reason,           // RFC 3326
  user_agent,
  server,
  supported,            // k
  subject,              // s
  content_encoding,     // e
  event,                // o (RFC 6665)
  refer_to,             // r (RFC 3515)
  allow_events,         // u (RFC 6665)
  referred_by,          // b (RFC 3892)
  accept_contact,       // a (RFC 3841)
  reject_contact,       // j (RFC 3841)
  request_disposition,  // d (RFC 3841)
  identity,             // y (RFC 8224)
  identity_info,        // n (RFC 4474)
  authorization,
  proxy_authorization,
  www_authenticate,
  proxy_authenticate,
  expires,
  other,
};

inline constexpr std::size_t kHeaderIdCount = static_cast<std::size_t>(HeaderId::other);

// The tables behind header_id(), in the header so that the parser's header loop (a lookup per
// header line, 14 for a typical INVITE) inlines it: a call per line cost ~13 instructions more
// per lookup (callgrind: 5 128 -> 4 939 per INVITE parse with the lookup forced inline; merely
// declaring it inline left GCC calling it, 5 100).
namespace header_names_detail {

struct HeaderName {
  std::string_view lower;  // full name, lower case
  char compact;            // compact form, lower case, or 0
};

inline constexpr std::array<HeaderName, kHeaderIdCount> kHeaderNames = {{
    {"via", 'v'},
    {"from", 'f'},
    {"to", 't'},
    {"call-id", 'i'},
    {"cseq", 0},
    {"content-length", 'l'},
    {"contact", 'm'},
    {"content-type", 'c'},
    {"max-forwards", 0},
    {"session-expires", 'x'},
    {"min-se", 0},
    {"reason", 0},
    {"user-agent", 0},
    {"server", 0},
    {"supported", 'k'},
    {"subject", 's'},
    {"content-encoding", 'e'},
    {"event", 'o'},
    {"refer-to", 'r'},
    {"allow-events", 'u'},
    {"referred-by", 'b'},
    {"accept-contact", 'a'},
    {"reject-contact", 'j'},
    {"request-disposition", 'd'},
    {"identity", 'y'},
    {"identity-info", 'n'},
    {"authorization", 0},
    {"proxy-authorization", 0},
    {"www-authenticate", 0},
    {"proxy-authenticate", 0},
    {"expires", 0},
}};

// Compact form letter -> header, built at compile time.
inline constexpr std::array<HeaderId, 26> make_compact_table() {
  std::array<HeaderId, 26> table{};
  for (auto& entry : table) entry = HeaderId::other;
  for (std::size_t i = 0; i < kHeaderNames.size(); ++i) {
    if (kHeaderNames[i].compact != 0) table[kHeaderNames[i].compact - 'a'] = static_cast<HeaderId>(i);
  }
  return table;
}
inline constexpr std::array<HeaderId, 26> kCompactTable = make_compact_table();

inline constexpr std::size_t kMaxNameLength = 19;
static_assert([] {
  for (const auto& name : kHeaderNames) {
    if (name.lower.size() < 2 || name.lower.size() > kMaxNameLength) return false;
  }
  return true;
}());

// Full names are compared as 64-bit words: the first 8 bytes (zero-padded below 8), the last 8 and,
// past 16 bytes, bytes 8-15; a name is found by a multiplicative hash of its first word and length.
// One load, one OR, one multiply and one table entry per header line, which runs for every header
// of every message (callgrind, load capture: with the parser's one 16-byte load per line, which
// compares names under 16 bytes in that register, parse_sip_message 3 480 -> 3 050 instructions a
// packet, against the earlier hash of length, first and last letter, a view and a compare loop).
//
// Header names are letters and '-': setting bit 0x20 lower-cases a letter, and among the bytes that
// can be in a name (no CR, no LF: it ends before its line's end) only '-' itself maps to '-'.
inline constexpr std::uint64_t kLowerBits = 0x2020202020202020ull;

struct alignas(32) NameEntry {
  std::uint64_t head = 0;   // bytes 0-7, zero-padded
  std::uint64_t mid = 0;    // bytes 8-15, zero-padded (with head: the first 16 bytes, one SSE2 load)
  std::uint64_t tail = 0;   // the last 8 bytes (names over 8 bytes)
  std::uint8_t length = 0;  // 0: an empty bucket
  HeaderId id = HeaderId::other;
};

inline constexpr unsigned kBucketBits = 6;
inline constexpr std::size_t kBuckets = std::size_t{1} << kBucketBits;
constexpr std::size_t bucket_of(std::uint64_t head, std::size_t length, std::uint64_t multiplier) {
  return static_cast<std::size_t>(((head ^ length) * multiplier) >> (64 - kBucketBits));
}

// The multiplier: the first splitmix64 output that puts no two known names in one bucket, searched
// at compile time so that adding a name needs no hand-picked constant (31 names in 64 buckets: the
// search stops after ~100 tries).
constexpr std::uint64_t find_multiplier() {
  std::uint64_t state = 26;
  for (int attempt = 0; attempt < 100000; ++attempt) {
    state += 0x9e3779b97f4a7c15ull;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    const std::uint64_t multiplier = (z ^ (z >> 31)) | 1u;
    std::uint64_t used = 0;
    bool collision = false;
    for (const auto& name : kHeaderNames) {
      const std::size_t n = name.lower.size();
      const std::uint64_t bit =
          std::uint64_t{1} << bucket_of(text_detail::little_endian_word(name.lower, 0, n < 8 ? n : 8), n, multiplier);
      collision = collision || (used & bit) != 0;
      used |= bit;
    }
    if (!collision) return multiplier;
  }
  return 0;
}
inline constexpr std::uint64_t kMultiplier = find_multiplier();
static_assert(kMultiplier != 0, "no multiplier spreads the header names: widen kBucketBits");

inline constexpr std::array<NameEntry, kBuckets> kByHash = [] {
  std::array<NameEntry, kBuckets> table{};
  for (std::size_t i = 0; i < kHeaderNames.size(); ++i) {
    const std::string_view name = kHeaderNames[i].lower;
    const std::size_t n = name.size();
    NameEntry entry;
    entry.head = text_detail::little_endian_word(name, 0, n < 8 ? n : 8);
    if (n > 8) entry.tail = text_detail::little_endian_word(name, n - 8, 8);
    if (n > 8) entry.mid = text_detail::little_endian_word(name, 8, n < 16 ? n - 8 : 8);
    entry.length = static_cast<std::uint8_t>(n);
    entry.id = static_cast<HeaderId>(i);
    table[bucket_of(entry.head, n, kMultiplier)] = entry;
  }
  return table;
}();

#if defined(__SSE2__)
// kPrefixMasks[n]: the first n of 16 bytes.
struct alignas(16) PrefixMask {
  std::uint8_t bytes[16];
};
inline constexpr std::array<PrefixMask, 16> kPrefixMasks = [] {
  std::array<PrefixMask, 16> masks{};
  for (std::size_t n = 0; n < masks.size(); ++n) {
    for (std::size_t i = 0; i < 16; ++i) masks[n].bytes[i] = i < n ? 0xff : 0;
  }
  return masks;
}();
#endif

}  // namespace header_names_detail

// The known header `name` is (full or compact, any case), or HeaderId::other. `readable`: how many
// bytes may be read from name.data() (at least name.size()); with 8 or more, a short name is read
// as one word and the bytes after it masked off.
__attribute__((always_inline)) inline HeaderId header_id(std::string_view name, std::size_t readable) {
  using namespace header_names_detail;
  const std::size_t n = name.size();
  const char* p = name.data();
  if (n - 2 > kMaxNameLength - 2) {  // 0, 1 or more than 19 bytes
    if (n != 1) return HeaderId::other;
    const char c = ascii_lower(p[0]);
    return (c >= 'a' && c <= 'z') ? kCompactTable[c - 'a'] : HeaderId::other;
  }
  std::uint64_t head;
  if (n >= 8) {
    head = load_le_text(p) | kLowerBits;
  } else if (readable >= 8) {
    head = (load_le_text(p) | kLowerBits) & (~std::uint64_t{0} >> (64 - 8 * n));
  } else {
    head = 0;  // at the very end of the text: byte by byte
    for (std::size_t i = 0; i < n; ++i) head |= std::uint64_t{static_cast<std::uint8_t>(p[i] | 0x20)} << (8 * i);
  }
  const NameEntry& entry = kByHash[bucket_of(head, n, kMultiplier)];
  if (entry.head != head || entry.length != n) return HeaderId::other;
  if (n > 8) {
    if ((load_le_text(p + n - 8) | kLowerBits) != entry.tail) return HeaderId::other;
    if (n > 16 && (load_le_text(p + 8) | kLowerBits) != entry.mid) return HeaderId::other;
  }
  return entry.id;
}

inline HeaderId header_id(std::string_view name) { return header_id(name, name.size()); }

#if defined(__SSE2__)
// The parser's header loop has a line's first 16 bytes in a register already: when its name is
// their first `length` (under 16; no white space around it), one masked 16-byte compare against the
// table entry settles it. True and `id` set when the name is known; false when it may be an unknown
// header or a name with white space around it, which header_id() then decides.
__attribute__((always_inline)) inline bool known_header_in_chunk(__m128i chunk, std::size_t length, HeaderId& id) {
  using namespace header_names_detail;
  const __m128i mask = _mm_load_si128(reinterpret_cast<const __m128i*>(kPrefixMasks[length].bytes));
  // Zero past the name; a name byte is never zero once OR-ed with 0x20, so a shorter or longer
  // entry (zero-padded) cannot compare equal, nor can an empty bucket unless the name is empty.
  const __m128i lowered = _mm_and_si128(_mm_or_si128(chunk, _mm_set1_epi8(0x20)), mask);
  const auto head = static_cast<std::uint64_t>(_mm_cvtsi128_si64(lowered));
  const NameEntry& entry = kByHash[bucket_of(head, length, kMultiplier)];
  const __m128i expected = _mm_load_si128(reinterpret_cast<const __m128i*>(&entry.head));
  if (_mm_movemask_epi8(_mm_cmpeq_epi8(lowered, expected)) != 0xffff) return false;
  id = entry.id;
  return true;
}
#endif

std::string_view header_name(HeaderId id);

}  // namespace sipmon
