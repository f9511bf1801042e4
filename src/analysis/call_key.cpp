#include "analysis/call_key.h"

#include <bit>
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

// Read by every hash: a namespace-scope constant, drawn before main, costs no guard check per
// call as the function-local static does. Nothing hashes a key during static initialization.
const std::uint64_t kSeed = process_seed();

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
  explicit Hasher(std::uint64_t domain) : a_(kSeed ^ domain), b_(~kSeed + domain * 0x9e3779b97f4a7c15ULL) {}
  explicit Hasher(const CallIdHash& state) : a_(state.a), b_(state.b) {}
  CallIdHash state() const { return CallIdHash{a_, b_}; }

  void add(std::string_view text) {
    word(text.size());
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, text.data() + i, 8);
      word(w);
    }
    if (i < text.size()) {
      const std::size_t rest = text.size() - i;
      std::uint64_t w = 0;
      if (text.size() >= 8) {
        // The field's last 8 bytes in one load, shifted down to the `rest` bytes not yet taken:
        // on little-endian the same word as copying them alone (no variable-size memcpy call).
        std::memcpy(&w, text.data() + text.size() - 8, 8);
        if constexpr (std::endian::native == std::endian::little) {
          w >>= 8 * (8 - rest);
        } else {
          w = 0;
          std::memcpy(&w, text.data() + i, rest);
        }
      } else {
        std::memcpy(&w, text.data() + i, rest);
      }
      word(w);
    }
  }

  void add_word(std::uint64_t w) { word(w); }

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

// The Call-ID is absorbed once (domain 0), then a domain word tells the kinds apart: a message's
// keys (message_keys.h) share that one pass over its Call-ID, and each function below gives the
// same key for the same fields.
namespace {
constexpr std::uint64_t kAttemptDomain = 1;
constexpr std::uint64_t kCallDomain = 2;
constexpr std::uint64_t kDialogDomain = 3;
}  // namespace

CallIdHash call_id_hash(std::string_view call_id) {
  Hasher h(0);
  h.add(call_id);
  return h.state();
}

CallKey attempt_key(const CallIdHash& call_id, std::string_view tag) {
  Hasher h(call_id);
  h.add_word(kAttemptDomain);
  h.add(tag);
  return h.finish();
}

CallKey call_key(const CallIdHash& call_id) {
  Hasher h(call_id);
  h.add_word(kCallDomain);
  return h.finish();
}

CallKey dialog_key(const CallIdHash& call_id, std::string_view tag_a, std::string_view tag_b) {
  if (tag_b < tag_a) std::swap(tag_a, tag_b);
  Hasher h(call_id);
  h.add_word(kDialogDomain);
  h.add(tag_a);
  h.add(tag_b);
  return h.finish();
}

CallKey attempt_key(std::string_view call_id, std::string_view from_tag) {
  return attempt_key(call_id_hash(call_id), from_tag);
}

CallKey registration_key(std::string_view call_id) { return call_key(call_id_hash(call_id)); }

CallKey dialog_key(std::string_view call_id, std::string_view tag_a, std::string_view tag_b) {
  return dialog_key(call_id_hash(call_id), tag_a, tag_b);
}

CallKey media_call_key(std::string_view call_id) { return call_key(call_id_hash(call_id)); }

CallKey binary_key(std::uint64_t domain, std::string_view bytes) {
  Hasher h(0x100 + domain);
  h.add(bytes);
  return h.finish();
}

// Three words and no length word: a fixed-size identity under its own domains (0x200 + domain),
// so it never meets a key of the byte version, whose fields are length-prefixed.
CallKey binary_key(std::uint64_t domain, std::uint64_t w0, std::uint64_t w1, std::uint64_t w2) {
  Hasher h(0x200 + domain);
  h.add_word(w0);
  h.add_word(w1);
  h.add_word(w2);
  return h.finish();
}

}  // namespace sipmon
