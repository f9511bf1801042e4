// ua_family_of against the rule it implements, written out the plain way: the families' patterns
// tried in the table's order, each searched case-insensitively anywhere in the value; the first
// found names the family.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>
#include <string_view>

#include "analysis/ua_family.h"

using namespace sipmon;

namespace {

struct UaPattern {
  std::string_view family;
  std::string_view substring;
};
constexpr UaPattern kUaPatterns[] = {
#define UA_FAMILY(family, substring) {family, substring},
#include "analysis/ua_families.def"
#undef UA_FAMILY
};

std::string_view plain_ua_family(std::string_view user_agent) {
  std::string lowered(user_agent);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  for (const UaPattern& pattern : kUaPatterns) {
    if (lowered.find(pattern.substring) != std::string::npos) return pattern.family;
  }
  return "other";
}

}  // namespace

TEST_CASE("ua family: the first pattern in the table's order wins, wherever it is in the value", "[ua-family]") {
  // "linphone" comes before "belle-sip" and "asterisk" before "yealink" in the table, whatever
  // their places in the value.
  CHECK(ua_family_name(ua_family_of("belle-sip/5.2 Linphone/5.2")) == "linphone");
  CHECK(ua_family_name(ua_family_of("Yealink gateway for ASTERISK")) == "asterisk");
  CHECK(ua_family_name(ua_family_of("aSTERISk")) == "asterisk");
  CHECK(ua_family_name(ua_family_of("asteris")) == "other");                      // cut short
  CHECK(ua_family_name(ua_family_of("asterisasterisk")) == "asterisk");           // a false start, then the match
  CHECK(ua_family_name(ua_family_of(std::string(200, 'x') + "Snom")) == "snom");  // longer than a record keeps
}

TEST_CASE("ua family: random values built from the patterns agree with the plain search", "[ua-family]") {
  std::mt19937 random(20261204);
  const std::string noise = "aAbBpP -/.()0123456789lLyYsS";
  std::size_t matched = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string value;
    const int pieces = static_cast<int>(random() % 5);
    for (int i = 0; i < pieces; ++i) {
      std::string piece(kUaPatterns[random() % std::size(kUaPatterns)].substring);
      if (random() % 3 == 0) piece.pop_back();  // a pattern cut short: no match from it
      for (char& c : piece) {
        if (random() % 2 == 0) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      for (int n = static_cast<int>(random() % 4); n > 0; --n) value += noise[random() % noise.size()];
      value += piece;
    }
    const std::string_view want = plain_ua_family(value);
    if (want != "other") ++matched;
    INFO(value);
    REQUIRE(ua_family_name(ua_family_of(value)) == want);
  }
  CHECK(matched > 10000);  // the values mostly match something: the order is what is tested
}
