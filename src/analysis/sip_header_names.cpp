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

// Full names bucketed by length and first letter would be faster still; a linear scan over the
// names of the same length is already a handful of compares, and only for headers we keep.
constexpr std::size_t kMaxNameLength = 19;

}  // namespace

HeaderId header_id(std::string_view name) {
  if (name.empty()) return HeaderId::other;
  if (name.size() == 1) {
    const char c = ascii_lower(name[0]);
    return (c >= 'a' && c <= 'z') ? kCompactTable[c - 'a'] : HeaderId::other;
  }
  if (name.size() > kMaxNameLength) return HeaderId::other;
  const char first = ascii_lower(name[0]);
  for (std::size_t i = 0; i < kHeaderNames.size(); ++i) {
    const std::string_view candidate = kHeaderNames[i].lower;
    if (candidate.size() == name.size() && candidate[0] == first && iequals(name, candidate)) {
      return static_cast<HeaderId>(i);
    }
  }
  return HeaderId::other;
}

std::string_view header_name(HeaderId id) {
  return id == HeaderId::other ? std::string_view{"other"} : kHeaderNames[static_cast<std::size_t>(id)].lower;
}

}  // namespace sipmon
