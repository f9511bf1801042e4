#include "analysis/transaction_key.h"

#include <bit>
#include <cstring>

#include "analysis/text.h"

namespace sipmon {
namespace {

// Two unrelated 64-bit hashes fed the same bytes make a 128-bit fingerprint. Both take 8 bytes a
// step (this runs for every message) and are finished with a strong mixer. Each field's length is
// fed too, so ("ab","c") and ("a","bc") differ.
class FingerprintHasher {
 public:
  void add(std::string_view text) { add_words(text.data(), text.size(), 0); }
  // Case-insensitive for letters: bit 0x20 set in every byte. Other bytes that differ only in
  // that bit ('[' and '{') then hash alike, which for host names is harmless.
  void add_lower(std::string_view text) { add_words(text.data(), text.size(), 0x2020202020202020ull); }
  // An address's 16 bytes: the same words as add_words over them (two full words, then the length
  // word with no tail), without the loop.
  void add_address(const IpAddress& address) {
    static_assert(sizeof(address.bytes) == 16);
    word(load64(address.bytes.data()));
    word(load64(address.bytes.data() + 8));
    word(std::uint64_t{16} << 56);
  }
  void add_u32(std::uint32_t value) { word(value); }
  TransactionKey finish(bool rfc2543) const {
    TransactionKey key{mix(a_), mix(b_ ^ 0x9e3779b97f4a7c15ull), rfc2543};
    // All-zero is never produced for a real key, so it can stand for "no key" in tables.
    if (key.hi == 0 && key.lo == 0) key.lo = 1;
    return key;
  }

 private:
  void add_words(const char* data, std::size_t size, std::uint64_t fold) {
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, data + i, 8);
      word(w | fold);
    }
    const std::uint64_t tail = load_tail(data, i, size);
    const std::uint64_t tail_fold = size > i ? (fold >> (8 * (8 - (size - i)))) : 0;
    word((tail | tail_fold) ^ (std::uint64_t{size} << 56));
  }
  // The bytes [i, size) (fewer than 8) as memcpy would put them in a zeroed word. A memcpy of a
  // variable size is a libc call, two or three per field and message; when the field has 8 bytes
  // or more, its last 8 shifted down give the same word (little-endian) with one load. A shorter
  // field (a method, a short host) is read in overlapping loads that stay inside it: its first
  // and last 4 bytes, or its first, middle and last byte; where they overlap they carry the same
  // bytes to the same places, so OR-ing them gives the memcpy's word without a loop.
  static std::uint64_t load_tail(const char* data, std::size_t i, std::size_t size) {
    const std::size_t rest = size - i;
    if (rest == 0) return 0;
    std::uint64_t tail = 0;
    if constexpr (std::endian::native == std::endian::little) {
      if (size >= 8) return load64(data + size - 8) >> (8 * (8 - rest));
      if (size >= 4) return load32(data) | (load32(data + size - 4) << (8 * (size - 4)));
      const auto byte = [data](std::size_t k) { return std::uint64_t{static_cast<std::uint8_t>(data[k])} << (8 * k); };
      return byte(0) | byte(size / 2) | byte(size - 1);
    }
    std::memcpy(&tail, data + i, rest);
    return tail;
  }
  static std::uint64_t load64(const void* at) {
    std::uint64_t w;
    std::memcpy(&w, at, 8);
    return w;
  }
  static std::uint64_t load32(const void* at) {
    std::uint32_t w;
    std::memcpy(&w, at, 4);
    return w;
  }
  void word(std::uint64_t w) {
    a_ = rotl((a_ ^ w) * 0x100000001b3ull, 29);
    b_ = rotl((b_ + w) * 0xc6a4a7935bd1e995ull, 31);
  }
  static std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
  static std::uint64_t mix(std::uint64_t x) {  // murmur3 fmix64
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
  }

  std::uint64_t a_ = 0xcbf29ce484222325ull;
  std::uint64_t b_ = 0x2545f4914f6cdd1dull;
};

// memcmp's order of the two addresses' bytes (<0, 0, >0), as two big-endian 8-byte compares
// instead of a libc call for every message.
int address_order(const IpAddress& a, const IpAddress& b) {
  if constexpr (std::endian::native == std::endian::little) {
    for (std::size_t at = 0; at < 16; at += 8) {
      std::uint64_t x;
      std::uint64_t y;
      std::memcpy(&x, a.bytes.data() + at, 8);
      std::memcpy(&y, b.bytes.data() + at, 8);
      if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
    }
    return 0;
  }
  return std::memcmp(a.bytes.data(), b.bytes.data(), a.bytes.size());
}

// The transaction's method: responses name it in CSeq; ACK belongs with its INVITE.
std::string_view transaction_method(const SipMessage& message) {
  const Method method = message_method(message);
  if (method == Method::ack) return "INVITE";
  return message.is_request ? message.method : message.cseq_method;
}

}  // namespace

namespace {

// Inlined into both callers: the call's register saves and restores cost ~10 instructions a
// message (callgrind), and the CANCEL caller is rare enough that the second copy costs nothing.
[[gnu::always_inline]] inline TransactionKey key_with_method(const SipMessage& message, std::string_view method,
                                                             const IpAddress& src, const IpAddress& dst) {
  FingerprintHasher hasher;
  const bool src_first = address_order(src, dst) <= 0;
  const IpAddress& low = src_first ? src : dst;
  const IpAddress& high = src_first ? dst : src;
  hasher.add_address(low);
  hasher.add_address(high);
  const bool rfc3261 = message.via_branch.starts_with(kMagicCookie);
  hasher.add(message.via_branch);
  // sent-by is host[:port]; host names compare case-insensitively (RFC 3261 §19.1.4).
  hasher.add_lower(message.via_sent_by);
  hasher.add(method);
  if (!rfc3261) {
    hasher.add(message.call_id);
    hasher.add_u32(message.cseq_number);
    hasher.add(message.from_tag);
  }
  return hasher.finish(!rfc3261);
}

}  // namespace

TransactionKey transaction_key(const SipMessage& message, const IpAddress& src, const IpAddress& dst) {
  return key_with_method(message, transaction_method(message), src, dst);
}

TransactionKey cancelled_invite_key(const SipMessage& cancel, const IpAddress& src, const IpAddress& dst) {
  return key_with_method(cancel, "INVITE", src, dst);
}

// FNV-1a, four bytes a step: the same value as the plain loop, with a quarter of its loop tests.
std::uint32_t tag_hash(std::string_view tag) {
  constexpr std::uint32_t kPrime = 16777619u;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(tag.data());
  const std::size_t size = tag.size();
  std::uint32_t h = 2166136261u;
  std::size_t i = 0;
  for (; i + 4 <= size; i += 4) {
    h = (h ^ bytes[i]) * kPrime;
    h = (h ^ bytes[i + 1]) * kPrime;
    h = (h ^ bytes[i + 2]) * kPrime;
    h = (h ^ bytes[i + 3]) * kPrime;
  }
  for (; i < size; ++i) h = (h ^ bytes[i]) * kPrime;
  return h;
}

}  // namespace sipmon
