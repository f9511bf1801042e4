#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/call_key.h"
#include "analysis/media_endpoint_key.h"
#include "analysis/message_keys.h"
#include "analysis/sip_parser.h"
#include "analysis/transaction_key.h"

using namespace sipmon;

namespace {

// FNV-1a over bytes, as its definition reads (tag_hash's reference).
std::uint32_t keys_test_fnv1a(std::string_view text) {
  std::uint32_t h = 2166136261u;
  for (const char c : text) h = (h ^ static_cast<std::uint8_t>(c)) * 16777619u;
  return h;
}

// The transaction key as transaction_key.cpp computed it before its loads were rewritten
// (4f3f9c0): every field a byte at a time, the addresses ordered by memcmp. The keys of the
// tables must not change with the code that computes them.
class KeysTestReferenceHasher {
 public:
  void add(std::string_view text, std::uint64_t fold = 0) {
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
      std::uint64_t w = 0;
      for (std::size_t k = 0; k < 8; ++k) w |= std::uint64_t{static_cast<std::uint8_t>(text[i + k])} << (8 * k);
      word(w | fold);
    }
    std::uint64_t tail = 0;
    for (std::size_t k = i; k < text.size(); ++k)
      tail |= std::uint64_t{static_cast<std::uint8_t>(text[k])} << (8 * (k - i));
    const std::uint64_t tail_fold = text.size() > i ? (fold >> (8 * (8 - (text.size() - i)))) : 0;
    word((tail | tail_fold) ^ (std::uint64_t{text.size()} << 56));
  }
  void word(std::uint64_t w) {
    a_ = rotl((a_ ^ w) * 0x100000001b3ull, 29);
    b_ = rotl((b_ + w) * 0xc6a4a7935bd1e995ull, 31);
  }
  TransactionKey finish(bool rfc2543) const {
    TransactionKey key{mix(a_), mix(b_ ^ 0x9e3779b97f4a7c15ull), rfc2543};
    if (key.hi == 0 && key.lo == 0) key.lo = 1;
    return key;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
  static std::uint64_t mix(std::uint64_t x) {
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

TransactionKey keys_test_reference_key(const SipMessage& m, std::string_view method, const IpAddress& src,
                                       const IpAddress& dst) {
  KeysTestReferenceHasher h;
  const bool src_first = std::memcmp(src.bytes.data(), dst.bytes.data(), 16) <= 0;
  const IpAddress& low = src_first ? src : dst;
  const IpAddress& high = src_first ? dst : src;
  h.add(std::string_view(reinterpret_cast<const char*>(low.bytes.data()), 16));
  h.add(std::string_view(reinterpret_cast<const char*>(high.bytes.data()), 16));
  const bool rfc3261 = m.via_branch.starts_with("z9hG4bK");
  h.add(m.via_branch);
  h.add(m.via_sent_by, 0x2020202020202020ull);
  h.add(method);
  if (!rfc3261) {
    h.add(m.call_id);
    h.word(m.cseq_number);
    h.add(m.from_tag);
  }
  return h.finish(!rfc3261);
}

std::string keys_test_random_text(std::mt19937_64& random, std::size_t size) {
  static constexpr char kAlphabet[] = "abcXYZ0189.-:[]{}z9hG4bK";
  std::string text(size, ' ');
  for (char& c : text) c = kAlphabet[random() % (sizeof(kAlphabet) - 1)];
  return text;
}

}  // namespace

TEST_CASE("message keys are the call_key.h and tag_hash values of the message's fields", "[calls]") {
  const std::string text =
      "SIP/2.0 180 Ringing\r\n"
      "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\n"
      "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
      "To: Bob <sip:bob@example.com>;tag=a6c85cf\r\n"
      "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
      "CSeq: 314159 INVITE\r\n"
      "Content-Length: 0\r\n\r\n";
  SipMessage m;
  REQUIRE(parse_sip_message(text, m) == SipParseStatus::message);
  const MessageKeys keys(m);
  CHECK(keys.attempt() == attempt_key("a84b4c76e66710@pc33.example.com", "1928301774"));
  CHECK(keys.callee_attempt() == attempt_key("a84b4c76e66710@pc33.example.com", "a6c85cf"));
  CHECK(keys.dialog() == dialog_key("a84b4c76e66710@pc33.example.com", "a6c85cf", "1928301774"));
  CHECK(keys.call() == registration_key("a84b4c76e66710@pc33.example.com"));
  CHECK(keys.call() == media_call_key("a84b4c76e66710@pc33.example.com"));
  CHECK(keys.from_tag_hash() == keys_test_fnv1a("1928301774"));
  CHECK(keys.to_tag_hash() == keys_test_fnv1a("a6c85cf"));
  // Asked again: the same values (computed once).
  CHECK(keys.attempt() == attempt_key("a84b4c76e66710@pc33.example.com", "1928301774"));
  CHECK(keys.to_tag_hash() == keys_test_fnv1a("a6c85cf"));
}

TEST_CASE("tag_hash is FNV-1a for every length", "[transactions]") {
  std::mt19937_64 random(7);
  for (std::size_t size = 0; size <= 40; ++size) {
    const std::string tag = keys_test_random_text(random, size);
    CHECK(tag_hash(tag) == keys_test_fnv1a(tag));
  }
}

TEST_CASE("transaction keys keep their values: every field length, both address orders", "[transactions]") {
  std::mt19937_64 random(26);
  for (int round = 0; round < 4000; ++round) {
    const std::string branch = (round % 3 == 0 ? "" : "z9hG4bK") + keys_test_random_text(random, random() % 24);
    const std::string sent_by = keys_test_random_text(random, random() % 20);
    const std::string call_id = keys_test_random_text(random, random() % 40);
    const std::string from_tag = keys_test_random_text(random, random() % 17);
    static constexpr std::string_view kMethods[] = {"INVITE", "ACK", "BYE", "REGISTER", "CANCEL", "X", "OPTIONSX"};
    SipMessage m;
    m.is_request = random() % 2 == 0;
    const std::string_view method = kMethods[random() % std::size(kMethods)];
    m.method = m.cseq_method = method;
    m.method_id = m.cseq_method_id = Method::other;  // the token as sent is hashed
    m.via_branch = branch;
    m.via_sent_by = sent_by;
    m.call_id = call_id;
    m.from_tag = from_tag;
    m.cseq_number = static_cast<std::uint32_t>(random());
    IpAddress src;
    IpAddress dst;
    for (std::size_t k = 0; k < 16; ++k) {
      src.bytes[k] = static_cast<std::uint8_t>(random() % 3);  // few values: long equal prefixes
      dst.bytes[k] = static_cast<std::uint8_t>(random() % 3);
    }
    if (round % 5 == 0) dst = src;
    const TransactionKey expected = keys_test_reference_key(m, method, src, dst);
    const TransactionKey got = transaction_key(m, src, dst);
    REQUIRE(got == expected);
    CHECK(got.rfc2543 == expected.rfc2543);
    CHECK(transaction_key(m, dst, src) == expected);
    CHECK(cancelled_invite_key(m, src, dst) == keys_test_reference_key(m, "INVITE", src, dst));
  }
}

TEST_CASE("three-word binary keys tell every word apart, and never meet the byte keys", "[calls]") {
  // Every single-bit change of any word gives another key (an endpoint's port, its address family,
  // a stream's SSRC or direction all live in some word), and so do swapped words.
  const CallKey base = binary_key(1, 0x0102030405060708ull, 0x1112131415161718ull, 0x2122232425262728ull);
  std::vector<CallKey> keys{base};
  for (int word = 0; word < 3; ++word) {
    for (int bit = 0; bit < 64; ++bit) {
      std::uint64_t w[3] = {0x0102030405060708ull, 0x1112131415161718ull, 0x2122232425262728ull};
      w[word] ^= std::uint64_t{1} << bit;
      keys.push_back(binary_key(1, w[0], w[1], w[2]));
    }
  }
  keys.push_back(binary_key(1, 0x1112131415161718ull, 0x0102030405060708ull, 0x2122232425262728ull));
  keys.push_back(binary_key(2, 0x0102030405060708ull, 0x1112131415161718ull, 0x2122232425262728ull));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = i + 1; j < keys.size(); ++j) REQUIRE_FALSE(keys[i] == keys[j]);
  }
  CHECK(binary_key(1, 7, 8, 9) == binary_key(1, 7, 8, 9));
  // The same 24 bytes as a byte string: another key (its own domains).
  char bytes[24];
  const std::uint64_t words[3] = {0x0102030405060708ull, 0x1112131415161718ull, 0x2122232425262728ull};
  std::memcpy(bytes, words, sizeof bytes);
  CHECK_FALSE(binary_key(1, std::string_view(bytes, sizeof bytes)) == base);
}

// The tables index by the low bits of a key's first half: consecutive ports of one address, or
// consecutive SSRCs of one call, must spread over them as random keys would. 65 536 keys into 4 096
// buckets: chi-square has 4 095 degrees of freedom (mean 4 095, standard deviation ~90); a
// hash that left the port's bits in place would be far beyond 10 deviations.
TEST_CASE("three-word binary keys spread consecutive ports and SSRCs over the index", "[calls]") {
  const auto chi_square = [](auto&& key_of) {
    std::vector<int> buckets(4096, 0);
    for (std::uint64_t i = 0; i < 65536; ++i) ++buckets[key_of(i).lo & 4095];
    double sum = 0;
    for (const int n : buckets) sum += (n - 16.0) * (n - 16.0) / 16.0;
    return sum;
  };
  const double ports = chi_square([](std::uint64_t port) { return binary_key(1, 0x0100000a, 0, 4 | port << 8); });
  const double ssrcs = chi_square([](std::uint64_t ssrc) { return binary_key(2, 0x1234, 0x5678, ssrc << 8); });
  CHECK(ports < 4095 + 10 * 90.5);
  CHECK(ssrcs < 4095 + 10 * 90.5);
}

TEST_CASE("media endpoint keys: address, family and port each count", "[media]") {
  IpAddress v4;
  v4.family = 4;
  v4.bytes[0] = 10, v4.bytes[3] = 1;
  IpAddress v6 = v4;
  v6.family = 6;
  IpAddress other = v4;
  other.bytes[3] = 2;
  CHECK(media_endpoint_key(v4, 4000) == media_endpoint_key(v4, 4000));
  CHECK_FALSE(media_endpoint_key(v4, 4000) == media_endpoint_key(v4, 4001));
  CHECK_FALSE(media_endpoint_key(v4, 4000) == media_endpoint_key(v4, 4000 + 256));
  CHECK_FALSE(media_endpoint_key(v4, 4000) == media_endpoint_key(v6, 4000));
  CHECK_FALSE(media_endpoint_key(v4, 4000) == media_endpoint_key(other, 4000));
}
