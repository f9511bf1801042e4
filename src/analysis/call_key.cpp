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

namespace {

// The 128-bit product of two words, its halves folded together: every bit of either word reaches
// the middle of the product, and the fold brings the well-mixed high half down onto the low one.
std::uint64_t folded_product(std::uint64_t a, std::uint64_t b) {
  __extension__ typedef unsigned __int128 Product;  // a GCC and Clang type, not ISO C++
  const Product product = static_cast<Product>(a) * b;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

}  // namespace

// Three words (an endpoint's address and port, a stream's call and SSRC: twice an RTP packet).
// The word-at-a-time Hasher took ~70 instructions here, 11 % of an RTP packet's
// (docs/performance.md, "A three-word key in four products"); two lanes of two folded products
// take far fewer. Each half of the key takes all three words, keyed by the process seed and the
// domain. Its own domains (0x200 + domain): it never meets a key of the byte version.
CallKey binary_key(std::uint64_t domain, std::uint64_t w0, std::uint64_t w1, std::uint64_t w2) {
  const std::uint64_t seed = kSeed ^ ((0x200 + domain) * 0x9e3779b97f4a7c15ULL);
  const std::uint64_t a = folded_product(w0 ^ seed ^ 0xa0761d6478bd642fULL, w1 ^ 0xe7037ed1a0b428dbULL);
  const std::uint64_t b = folded_product(w2 ^ seed ^ 0x8ebc6af09c88c6e3ULL, w0 ^ 0x589965cc75374cc3ULL);
  // Both factors of each last product vary with the words. With a constant factor (the seed), the
  // products of consecutive ports were an arithmetic progression and their low bits clumped:
  // chi-square up to 48 times its mean over an index of 4 096 slots, for some seeds (the test
  // "three-word binary keys spread consecutive ports and SSRCs over the index" caught it).
  return CallKey{folded_product(a ^ w2 ^ 0x1d8e4e27c47d124fULL, b ^ w1 ^ 0x2d358dccaa6c78a5ULL),
                 folded_product(b ^ w1 ^ 0x4f9e2c1b6a7d8e93ULL, a ^ seed ^ 0x94d049bb133111ebULL)};
}

}  // namespace sipmon
