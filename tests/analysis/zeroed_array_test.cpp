// ZeroedArray (zeroed_array.h): zero-filled, and aligned for its element, from the heap (small
// arrays) or from the kernel (large ones).
#include <catch2/catch.hpp>

#include <cstdint>

#include "analysis/zeroed_array.h"

using namespace sipmon;

namespace {

struct alignas(64) Line {
  std::uint64_t words[8];
};

bool zeroed(const ZeroedArray<Line>& lines) {
  for (const Line& line : lines) {
    for (const std::uint64_t word : line.words) {
      if (word != 0) return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("zeroed arrays: an over-aligned element is aligned, small or large, and zero", "[tables]") {
  // One element came from calloc, which promises only max_align_t: a table of one cache-line
  // entry was 16-byte aligned under the sanitizers (the media tracker's payload maps).
  for (const std::size_t count : {std::size_t{1}, std::size_t{3}, zeroed_memory::kMapThreshold / sizeof(Line) + 1}) {
    const ZeroedArray<Line> lines(count);
    REQUIRE(lines.size() == count);
    CHECK(reinterpret_cast<std::uintptr_t>(lines.get()) % alignof(Line) == 0);
    CHECK(zeroed(lines));
  }
}
