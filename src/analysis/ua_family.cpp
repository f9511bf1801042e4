#include "analysis/ua_family.h"

#include <array>
#include <string_view>

namespace sipmon {
namespace {

struct Pattern {
  std::string_view family;
  std::string_view substring;  // lower case
};

constexpr Pattern kPatterns[] = {
#define UA_FAMILY(family, substring) {family, substring},
#include "analysis/ua_families.def"
#undef UA_FAMILY
};

// Distinct family names in table order, then "other".
struct Families {
  std::array<std::string_view, std::size(kPatterns) + 1> names{};
  std::array<std::size_t, std::size(kPatterns)> of_pattern{};
  std::size_t count = 0;
};

constexpr Families make_families() {
  Families f;
  for (std::size_t p = 0; p < std::size(kPatterns); ++p) {
    std::size_t i = 0;
    while (i < f.count && f.names[i] != kPatterns[p].family) ++i;
    if (i == f.count) f.names[f.count++] = kPatterns[p].family;
    f.of_pattern[p] = i;
  }
  f.names[f.count++] = "other";
  return f;
}
constexpr Families kFamilies = make_families();

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool contains_ignore_case(std::string_view text, std::string_view lower_needle) {
  if (lower_needle.size() > text.size()) return false;
  for (std::size_t start = 0; start + lower_needle.size() <= text.size(); ++start) {
    std::size_t i = 0;
    while (i < lower_needle.size() && lower(text[start + i]) == lower_needle[i]) ++i;
    if (i == lower_needle.size()) return true;
  }
  return false;
}

}  // namespace

std::size_t ua_family_count() { return kFamilies.count; }

std::size_t ua_family_of(std::string_view user_agent) {
  for (std::size_t p = 0; p < std::size(kPatterns); ++p) {
    if (contains_ignore_case(user_agent, kPatterns[p].substring)) return kFamilies.of_pattern[p];
  }
  return kFamilies.count - 1;
}

std::string_view ua_family_name(std::size_t index) {
  return index < kFamilies.count ? kFamilies.names[index] : std::string_view("other");
}

}  // namespace sipmon
