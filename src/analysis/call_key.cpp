#include "analysis/call_key.h"

#include <cstring>
#include <random>

namespace sipmon {
namespace {

// A per-process random seed: the tables use linear probing on `lo`, so a fixed, public hash
// would let a sender choose Call-IDs that all land in one probe chain (hash flooding). Only the
// placement of entries depends on it, never a count in the report.
std::uint64_t process_seed() {
#ifdef SIPMON_FIXED_HASH_SEED
  // Fuzz builds only (fuzz/CMakeLists.txt): with the placement fixed, the same libFuzzer -seed
  // takes the same path on every run, so scripts/fuzz-check.sh gives the same verdict every time.
  return SIPMON_FIXED_HASH_SEED;
#endif
  static const std::uint64_t seed = [] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }();
  return seed;
}

constexpr std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// splitmix64's finalizer: every input bit affects every output bit.
constexpr std::uint64_t avalanche(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Two independent 64-bit lanes over 8-byte words. Each field is length-prefixed, so
// ("ab", "c") and ("a", "bc") differ.
class Hasher {
 public:
  explicit Hasher(std::uint64_t domain)
      : a_(process_seed() ^ domain), b_(~process_seed() + domain * 0x9e3779b97f4a7c15ULL) {}

  void add(std::string_view text) {
    word(text.size());
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, text.data() + i, 8);
      word(w);
    }
    if (i < text.size()) {
      std::uint64_t w = 0;
      std::memcpy(&w, text.data() + i, text.size() - i);
      word(w);
    }
  }

  CallKey finish() const { return CallKey{avalanche(a_ ^ (b_ >> 7)), avalanche(b_ + rotl(a_, 23))}; }

 private:
  void word(std::uint64_t w) {
    a_ = rotl(a_ ^ (w * 0x87c37b91114253d5ULL), 31) * 0x4cf5ad432745937fULL;
    b_ = rotl(b_ + (w * 0x52dce729da3ed5f1ULL), 29) * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
  }

  std::uint64_t a_;
  std::uint64_t b_;
};

}  // namespace

CallKey attempt_key(std::string_view call_id, std::string_view from_tag) {
  Hasher h(1);
  h.add(call_id);
  h.add(from_tag);
  return h.finish();
}

CallKey registration_key(std::string_view call_id) {
  Hasher h(2);
  h.add(call_id);
  return h.finish();
}

CallKey dialog_key(std::string_view call_id, std::string_view tag_a, std::string_view tag_b) {
  if (tag_b < tag_a) std::swap(tag_a, tag_b);
  Hasher h(3);
  h.add(call_id);
  h.add(tag_a);
  h.add(tag_b);
  return h.finish();
}

CallKey media_call_key(std::string_view call_id) {
  Hasher h(4);
  h.add(call_id);
  return h.finish();
}

CallKey binary_key(std::uint64_t domain, std::string_view bytes) {
  Hasher h(0x100 + domain);
  h.add(bytes);
  return h.finish();
}

}  // namespace sipmon
