// find_first_of4 and find_unnested take vector and word-at-a-time shortcuts; these compare them
// with the plain byte-by-byte definition on many random strings made of the bytes that matter
// (separators, quotes, brackets, backslashes, and neighbours of them that would trip a sloppy
// word trick: 0x01 after a match is the classic false positive).
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/sip_scan.h"

using namespace sipmon;

namespace {

std::size_t reference_first_of(std::string_view text, std::size_t from, std::string_view set) {
  for (std::size_t i = from; i < text.size(); ++i) {
    if (set.find(text[i]) != std::string_view::npos) return i;
  }
  return text.size();
}

// The definition, spelled out differently from the code under test: first mark which bytes are
// nested (inside quotes, escaped, or inside brackets), then take the first unmarked stop.
std::size_t reference_unnested(std::string_view text, std::size_t from, std::string_view stops, bool angles) {
  std::vector<bool> nested(text.size(), false);
  bool in_quotes = false;
  int depth = 0;
  std::size_t i = from;
  while (i < text.size()) {
    const char c = text[i];
    nested[i] = in_quotes || c == '"' || (angles && (c == '<' || c == '>' || depth > 0));
    if (in_quotes && c == '\\' && i + 1 < text.size()) {
      nested[i + 1] = true;
      i += 2;
      continue;
    }
    if (c == '"') in_quotes = !in_quotes;
    if (!in_quotes && c != '"' && angles && c == '<') ++depth;
    if (!in_quotes && c != '"' && angles && c == '>' && depth > 0) --depth;
    ++i;
  }
  for (std::size_t j = from; j < text.size(); ++j) {
    if (!nested[j] && stops.find(text[j]) != std::string_view::npos) return j;
  }
  return std::string_view::npos;
}

std::string random_text(std::mt19937& rng) {
  static constexpr char kAlphabet[] = "ab;,\"<>\\ \x01\x3d:=\x2d\x3a";
  std::string text(rng() % 48, 'x');
  for (char& c : text) c = kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return text;
}

}  // namespace

TEST_CASE("find_first_of4 agrees with a byte-by-byte search at every length and offset") {
  std::mt19937 rng(20261125);
  for (int i = 0; i < 200000; ++i) {
    const std::string text = random_text(rng);
    const std::size_t from = rng() % (text.size() + 1);
    const std::size_t got = find_first_of4(text, from, ';', ',', '"', '<');
    const std::size_t want = reference_first_of(text, from, ";,\"<");
    if (got != want) FAIL("text '" << text << "' from " << from << ": " << got << " != " << want);
  }
}

TEST_CASE("find_unnested agrees with the quote- and bracket-aware state machine") {
  std::mt19937 rng(3261);
  const std::string_view stop_sets[] = {",", ";", "<;", "<"};
  for (int i = 0; i < 200000; ++i) {
    const std::string text = random_text(rng);
    const std::size_t from = rng() % (text.size() + 2);
    const std::string_view stops = stop_sets[rng() % 4];
    const bool angles = stops == "," && (rng() & 1) != 0;
    const std::size_t got = find_unnested(text, from, stops, angles ? Nesting::quotes_and_angles : Nesting::quotes);
    const std::size_t want = reference_unnested(text, from, stops, angles);
    if (got != want)
      FAIL("text '" << text << "' from " << from << " stops '" << stops << "': " << got << " != " << want);
  }
}

TEST_CASE("find_unnested skips separators inside quotes and <URIs>") {
  CHECK(find_unnested(R"("Doe, J." <sip:a@b;x=1,2>, <sip:c@d>)", 0, ",", Nesting::quotes_and_angles) == 25);
  CHECK(find_unnested(R"(;text="a;b";cause=1)", 1, ";", Nesting::quotes) == 11);
  CHECK(find_unnested(R"("a\"<b" <sip:x>)", 0, "<", Nesting::quotes) == 8);
  CHECK(find_unnested("no separator here", 0, ";", Nesting::quotes) == std::string_view::npos);
}
