#include "analysis/sip_header_names.h"

#include <array>

#include "analysis/text.h"

namespace sipmon {
namespace {

struct HeaderName {
  std::string_view lower;  // full name, lower case
  char compact;            // compact form, lower case, or 0
};

constexpr std::array<HeaderName, kHeaderIdCount> kHeaderNames = {{
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
constexpr std::array<HeaderId, 26> make_compact_table() {
  std::array<HeaderId, 26> table{};
  for (auto& entry : table) entry = HeaderId::other;
  for (std::size_t i = 0; i < kHeaderNames.size(); ++i) {
    if (kHeaderNames[i].compact != 0) table[kHeaderNames[i].compact - 'a'] = static_cast<HeaderId>(i);
  }
  return table;
}
constexpr std::array<HeaderId, 26> kCompactTable = make_compact_table();

constexpr std::size_t kMaxNameLength = 19;
constexpr std::size_t kMaxPerLength = 4;

// Full names bucketed by length: a lookup compares against the one to three names of the same
// length instead of scanning them all (this runs for every header line of every message).
struct LengthBuckets {
  std::array<std::array<std::uint8_t, kMaxPerLength>, kMaxNameLength + 1> ids{};
  std::array<std::uint8_t, kMaxNameLength + 1> count{};
};

constexpr LengthBuckets make_length_buckets() {
  LengthBuckets buckets{};
  for (std::size_t i = 0; i < kHeaderNames.size(); ++i) {
    const std::size_t length = kHeaderNames[i].lower.size();
    buckets.ids[length][buckets.count[length]++] = static_cast<std::uint8_t>(i);
  }
  return buckets;
}
constexpr LengthBuckets kByLength = make_length_buckets();
static_assert([] {
  for (const auto count : kByLength.count) {
    if (count > kMaxPerLength) return false;
  }
  return true;
}());

// Header names are letters and '-': setting bit 0x20 lower-cases a letter, and among the bytes that
// can be in a line (no CR, no LF) only '-' itself maps to '-'. Cheaper than ascii_lower per byte.
bool equals_name(std::string_view name, std::string_view lower) {
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (static_cast<char>(name[i] | 0x20) != lower[i]) return false;
  }
  return true;
}

}  // namespace

HeaderId header_id(std::string_view name) {
  if (name.empty()) return HeaderId::other;
  if (name.size() == 1) {
    const char c = ascii_lower(name[0]);
    return (c >= 'a' && c <= 'z') ? kCompactTable[c - 'a'] : HeaderId::other;
  }
  if (name.size() > kMaxNameLength) return HeaderId::other;
  const char first = ascii_lower(name[0]);
  for (std::size_t i = 0; i < kByLength.count[name.size()]; ++i) {
    const std::uint8_t id = kByLength.ids[name.size()][i];
    const std::string_view candidate = kHeaderNames[id].lower;
    if (candidate[0] == first && equals_name(name, candidate)) return static_cast<HeaderId>(id);
  }
  return HeaderId::other;
}

std::string_view header_name(HeaderId id) {
  return id == HeaderId::other ? std::string_view{"other"} : kHeaderNames[static_cast<std::size_t>(id)].lower;
}

}  // namespace sipmon
