#pragma once
// The headers the engine reads, found by full or compact name, case-insensitively
// (RFC 3261 §7.3.1, §7.3.3 and the compact forms registered since).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "analysis/text.h"

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

// Full names by a hash of (length, first letter, last letter): one table load and one compare per
// header line, which runs for every header of every message. The constants were searched for so
// that no two known names share a bucket (checked below at compile time); bit 0x20 lower-cases.
inline constexpr std::size_t kBuckets = 128;
inline constexpr std::uint8_t kNoName = 0xff;
constexpr std::size_t bucket_of(std::size_t length, char first, char last) {
  return (length * 18 + static_cast<std::uint8_t>(first | 0x20) * 5 + static_cast<std::uint8_t>(last | 0x20)) &
         (kBuckets - 1);
}

struct NameBuckets {
  std::array<std::uint8_t, kBuckets> ids{};
  bool collision = false;
};
constexpr NameBuckets make_name_buckets() {
  NameBuckets buckets{};
  for (auto& id : buckets.ids) id = kNoName;
  for (std::size_t i = 0; i < kHeaderNames.size(); ++i) {
    const std::string_view name = kHeaderNames[i].lower;
    std::uint8_t& slot = buckets.ids[bucket_of(name.size(), name.front(), name.back())];
    if (slot != kNoName) buckets.collision = true;
    slot = static_cast<std::uint8_t>(i);
  }
  return buckets;
}
inline constexpr NameBuckets kByHash = make_name_buckets();
static_assert(!kByHash.collision, "two header names share a bucket: pick other constants in bucket_of");
static_assert([] {
  for (const auto& name : kHeaderNames) {
    if (name.lower.size() < 2 || name.lower.size() > kMaxNameLength) return false;
  }
  return true;
}());

// Header names are letters and '-': setting bit 0x20 lower-cases a letter, and among the bytes that
// can be in a line (no CR, no LF) only '-' itself maps to '-'. Whole words at a time, the last one
// overlapping the one before (every known name has 2 to 19 bytes), instead of a byte loop.
template <typename Word>
inline bool equal_word(const char* name, const char* lower) {
  Word a;
  Word b;
  std::memcpy(&a, name, sizeof(Word));
  std::memcpy(&b, lower, sizeof(Word));
  return static_cast<Word>(a | static_cast<Word>(0x2020202020202020ull)) == b;
}
inline bool equals_name(const char* name, std::string_view lower) {
  const std::size_t n = lower.size();
  const char* l = lower.data();
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      if (!equal_word<std::uint64_t>(name + i, l + i)) return false;
    }
    return equal_word<std::uint64_t>(name + n - 8, l + n - 8);
  }
  if (n >= 4) return equal_word<std::uint32_t>(name, l) && equal_word<std::uint32_t>(name + n - 4, l + n - 4);
  return equal_word<std::uint16_t>(name, l) && equal_word<std::uint16_t>(name + n - 2, l + n - 2);
}

}  // namespace header_names_detail

// The known header `name` is (full or compact, any case), or HeaderId::other.
__attribute__((always_inline)) inline HeaderId header_id(std::string_view name) {
  using namespace header_names_detail;
  if (name.size() == 1) {
    const char c = ascii_lower(name[0]);
    return (c >= 'a' && c <= 'z') ? kCompactTable[c - 'a'] : HeaderId::other;
  }
  if (name.size() < 2 || name.size() > kMaxNameLength) return HeaderId::other;
  const std::uint8_t id = kByHash.ids[bucket_of(name.size(), name.front(), name.back())];
  if (id == kNoName) return HeaderId::other;
  const std::string_view candidate = kHeaderNames[id].lower;
  if (candidate.size() != name.size() || !equals_name(name.data(), candidate)) return HeaderId::other;
  return static_cast<HeaderId>(id);
}

std::string_view header_name(HeaderId id);

}  // namespace sipmon
