#include <algorithm>
#include <bit>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/engine.h"
#include "analysis/sip_parser.h"
#include "analysis/transaction_key.h"
#include "analysis/transaction_table.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSec = 1'000 * kMs;

struct Msg {
  std::string start_line{};
  std::string branch = "z9hG4bK-tx1";
  std::string sent_by = "10.0.0.1:5060";
  std::string cseq = "1 INVITE";
  std::string to_tag{};
  std::string call_id = "call-1";
  std::string from_tag = "ft";
};

std::string render(const Msg& m) {
  std::string via = "SIP/2.0/UDP " + m.sent_by;
  if (!m.branch.empty()) via += ";branch=" + m.branch;
  return m.start_line + "\r\nVia: " + via + "\r\nFrom: <sip:a@x>;tag=" + m.from_tag + "\r\nTo: <sip:b@x>" +
         (m.to_tag.empty() ? "" : ";tag=" + m.to_tag) + "\r\nCall-ID: " + m.call_id + "\r\nCSeq: " + m.cseq +
         "\r\nContent-Length: 0\r\n\r\n";
}

// Caller 10.0.0.1 -> callee 10.0.0.2; responses go back.
UdpSpec forward() { return UdpSpec{}; }
UdpSpec backward() { return UdpSpec{.src_last_octet = 2, .dst_last_octet = 1}; }

class Feed {
 public:
  explicit Feed(EngineConfig config = {}) : engine_(std::move(config)) {}
  void send(const Msg& m, std::int64_t ts_ns, UdpSpec spec) {
    const auto bytes = sip_udp_frame(render(m), spec);
    engine_.on_frame(make_frame(bytes, LinkType::ethernet, ts_ns));
  }
  Report report() const { return engine_.report(); }

 private:
  Engine engine_;
};

Msg invite() { return Msg{.start_line = "INVITE sip:b@x SIP/2.0"}; }
Msg response(int code, std::string cseq = "1 INVITE", std::string to_tag = "tt") {
  return Msg{.start_line = "SIP/2.0 " + std::to_string(code) + " Reason",
             .cseq = std::move(cseq),
             .to_tag = std::move(to_tag)};
}

}  // namespace

TEST_CASE("a request re-sent after T1 in the same transaction is one request retransmission", "[transactions]") {
  Feed feed;
  feed.send(invite(), 0, forward());
  feed.send(invite(), 500 * kMs, forward());
  feed.send(invite(), 1500 * kMs, forward());
  feed.send(response(100), 1600 * kMs, backward());
  feed.send(response(200), 1700 * kMs, backward());
  const Report r = feed.report();
  CHECK(r.requests[Method::invite] == 3);  // raw counts keep the retransmissions
  CHECK(r.retransmissions->requests == 2);
  CHECK(r.retransmissions->responses == 0);
}

TEST_CASE("a final response repeated is a response retransmission, provisionals are not", "[transactions]") {
  Feed feed;
  feed.send(invite(), 0, forward());
  feed.send(response(180), 10 * kMs, backward());
  feed.send(response(180), 600 * kMs, backward());
  feed.send(response(200), 700 * kMs, backward());
  feed.send(response(200), 1200 * kMs, backward());
  feed.send(response(200), 2200 * kMs, backward());
  const Report r = feed.report();
  CHECK(r.responses.count(200) == 3);
  CHECK(r.retransmissions->responses == 2);
  CHECK(r.retransmissions->requests == 0);
}

TEST_CASE("2xx from two forks are two responses, not a retransmission", "[transactions]") {
  Feed feed;
  feed.send(invite(), 0, forward());
  feed.send(response(200, "1 INVITE", "fork-a"), 100 * kMs, backward());
  feed.send(response(200, "1 INVITE", "fork-b"), 900 * kMs, backward());
  CHECK(feed.report().retransmissions->responses == 0);
}

TEST_CASE("ACK for a non-2xx joins the INVITE transaction, a repeated ACK is a retransmission", "[transactions]") {
  Feed feed;
  Msg ack{.start_line = "ACK sip:b@x SIP/2.0", .cseq = "1 ACK", .to_tag = "tt"};
  feed.send(invite(), 0, forward());
  feed.send(response(486), 100 * kMs, backward());
  feed.send(ack, 110 * kMs, forward());  // same branch as the INVITE: not a retransmission of it
  feed.send(response(486), 600 * kMs, backward());
  feed.send(ack, 610 * kMs, forward());
  const Report r = feed.report();
  CHECK(r.retransmissions->requests == 1);   // the second ACK
  CHECK(r.retransmissions->responses == 1);  // the second 486
}

TEST_CASE("CANCEL is its own transaction, with its own retransmissions", "[transactions]") {
  Feed feed;
  Msg cancel{.start_line = "CANCEL sip:b@x SIP/2.0", .cseq = "1 CANCEL"};
  feed.send(invite(), 0, forward());
  feed.send(cancel, 200 * kMs, forward());  // same branch, other method: new transaction
  feed.send(response(200, "1 CANCEL"), 210 * kMs, backward());
  feed.send(response(487), 220 * kMs, backward());  // final of the INVITE, not a repeat of the 200
  feed.send(cancel, 700 * kMs, forward());
  const Report r = feed.report();
  CHECK(r.retransmissions->requests == 1);
  CHECK(r.retransmissions->responses == 0);
}

TEST_CASE("a new branch is a new transaction even with the same Call-ID and CSeq", "[transactions]") {
  Feed feed;
  Msg again = invite();
  again.branch = "z9hG4bK-tx2";
  feed.send(invite(), 0, forward());
  feed.send(again, 600 * kMs, forward());
  CHECK(feed.report().retransmissions->requests == 0);
}

TEST_CASE("RFC 2543 fallback: without the magic cookie, Call-ID, CSeq and From tag decide", "[transactions]") {
  Feed feed;
  Msg old{.start_line = "BYE sip:b@x SIP/2.0", .branch = "", .cseq = "2 BYE"};
  feed.send(old, 0, forward());
  feed.send(old, 500 * kMs, forward());  // the same BYE again: retransmission
  Msg other_cseq = old;
  other_cseq.cseq = "3 BYE";
  feed.send(other_cseq, 600 * kMs, forward());  // a new request
  Msg ok = response(200, "2 BYE", "");
  ok.branch = "";
  feed.send(ok, 700 * kMs, backward());
  Msg legacy_branch = old;
  legacy_branch.branch = "1234";  // a pre-3261 branch without the cookie
  legacy_branch.cseq = "4 BYE";
  feed.send(legacy_branch, 800 * kMs, forward());
  feed.send(legacy_branch, 1300 * kMs, forward());
  const Report r = feed.report();
  CHECK(r.retransmissions->requests == 2);
  SipMessage parsed;
  const std::string text = render(old);  // the message views into this buffer
  REQUIRE(parse_sip_message(text, parsed) == SipParseStatus::message);
  CHECK(transaction_key(parsed, {}, {}).rfc2543);
}

TEST_CASE("a copy on another hop (a proxy's outbound leg, or the far side of a NAT) is not a retransmission",
          "[transactions]") {
  Feed feed;
  feed.send(invite(), 0, forward());
  // The proxy's outbound leg: its own Via on top, another branch.
  Msg outbound = invite();
  outbound.branch = "z9hG4bK-proxy";
  outbound.sent_by = "10.0.0.2:5060";
  feed.send(outbound, 2 * kMs, UdpSpec{.src_last_octet = 2, .dst_last_octet = 3});
  // A NAT rewrote the addresses but not the Via: same branch, other address pair, later.
  feed.send(invite(), 80 * kMs, UdpSpec{.src_last_octet = 7, .dst_last_octet = 8});
  const Report r = feed.report();
  CHECK(r.requests[Method::invite] == 3);
  CHECK(r.retransmissions->requests == 0);
  CHECK(r.capture.duplicate_messages == 0);
}

TEST_CASE("the same packet captured twice within the duplicate window is a duplicate, not a retransmission",
          "[transactions]") {
  Feed feed;
  feed.send(invite(), 0, forward());
  feed.send(invite(), 300'000, forward());  // tcpdump -i any: same packet on two interfaces
  feed.send(response(200), 100 * kMs, backward());
  feed.send(response(200), 101 * kMs, backward());
  const Report r = feed.report();
  CHECK(r.requests[Method::invite] == 2);
  CHECK(r.retransmissions->requests == 0);
  CHECK(r.retransmissions->responses == 0);
  CHECK(r.capture.duplicate_messages == 2);
}

TEST_CASE("a message lacking a mandatory header takes no part in transactions", "[transactions]") {
  Engine engine;
  const std::string no_call_id =
      "INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\n"
      "To: <sip:b@x>\r\nCSeq: 1 INVITE\r\n\r\n";
  const auto frame = sip_udp_frame(no_call_id);
  engine.on_frame(make_frame(frame, LinkType::ethernet, 0));
  engine.on_frame(make_frame(frame, LinkType::ethernet, 600 * kMs));
  const Report r = engine.report();
  CHECK(r.requests[Method::invite] == 2);
  CHECK(r.capture.defects[MessageDefect::sip_missing_call_id] == 2);
  CHECK(r.retransmissions->requests == 0);
}

TEST_CASE("transactions expire after 32 s of packet time", "[transactions]") {
  Feed feed;
  feed.send(invite(), 0, forward());
  feed.send(invite(), 33 * kSec, forward());  // the first transaction is over: a new one
  feed.send(invite(), 40 * kSec, forward());  // a retransmission of the second
  CHECK(feed.report().retransmissions->requests == 1);
}

TEST_CASE("a full table evicts its least recently used live entry and counts it", "[transactions]") {
  TransactionTable table(TransactionTableConfig{.capacity = 8});
  CHECK(table.capacity() == 8);
  auto message = [](std::uint64_t id, std::int64_t ts) {
    return TransactionMessage{.key = {.hi = id, .lo = id}, .is_request = true, .ts_ns = ts};
  };
  for (std::uint64_t id = 1; id <= 8; ++id)
    CHECK(table.observe(message(id, static_cast<std::int64_t>(id))) == TransactionEvent::first);
  CHECK(table.stats().evicted == 0);
  CHECK(table.observe(message(1, 2 * kSec)) == TransactionEvent::retransmission);  // still there
  CHECK(table.observe(message(9, 2 * kSec)) == TransactionEvent::first);           // evicts id 2 (oldest)
  CHECK(table.stats().evicted == 1);
  CHECK(table.observe(message(2, 3 * kSec)) == TransactionEvent::first);  // forgotten: new again
  CHECK(table.stats().evicted == 2);
  // Once everything has expired, slots are reused without an eviction.
  CHECK(table.observe(message(100, 60 * kSec)) == TransactionEvent::first);
  CHECK(table.stats().evicted == 2);
  CHECK(table.stats().expired == 1);
}

TEST_CASE("the engine reports evictions of its transaction table", "[transactions]") {
  Feed feed(EngineConfig{.ports = {}, .transactions = {.capacity = 8}});
  for (int i = 0; i < 20; ++i) {
    Msg m = invite();
    m.branch = "z9hG4bK-many-" + std::to_string(i);
    feed.send(m, i * kMs, forward());
  }
  const Report r = feed.report();
  CHECK(r.table_evictions[EvictingTable::transactions] == 12);
}

TEST_CASE("ACK for a 2xx has its own branch: its own entry, re-sent when the 2xx is re-sent", "[transactions]") {
  Feed feed;
  Msg ack{.start_line = "ACK sip:b@10.0.0.2 SIP/2.0", .branch = "z9hG4bK-ack2xx", .cseq = "1 ACK", .to_tag = "tt"};
  feed.send(invite(), 0, forward());
  feed.send(response(200), 100 * kMs, backward());
  feed.send(ack, 110 * kMs, forward());
  feed.send(response(200), 600 * kMs, backward());  // the ACK was lost: the UAS re-sends the 2xx
  feed.send(ack, 610 * kMs, forward());             // and the UAC core re-sends the same ACK
  const Report r = feed.report();
  CHECK(r.requests[Method::ack] == 2);
  CHECK(r.retransmissions->responses == 1);
  CHECK(r.retransmissions->requests == 1);
}

TEST_CASE("a CANCEL is matched to the INVITE it cancels", "[transactions]") {
  Engine engine;
  auto send = [&](const Msg& m, std::int64_t ts, UdpSpec spec) {
    const auto bytes = sip_udp_frame(render(m), spec);
    engine.on_frame(make_frame(bytes, LinkType::ethernet, ts));
  };
  Msg cancel{.start_line = "CANCEL sip:b@x SIP/2.0", .cseq = "1 CANCEL"};
  Msg stray = cancel;
  stray.branch = "z9hG4bK-never-invited";
  send(invite(), 0, forward());
  send(cancel, 100 * kMs, forward());
  send(cancel, 600 * kMs, forward());  // a retransmitted CANCEL does not cancel twice
  send(stray, 700 * kMs, forward());
  CHECK(engine.transactions().stats().cancels_matched == 1);
  CHECK(engine.transactions().stats().cancels_unmatched == 1);

  const std::string text = render(invite());
  SipMessage parsed;
  REQUIRE(parse_sip_message(text, parsed) == SipParseStatus::message);
  // frame_builder's default addresses: 10.0.0.1 -> 10.0.0.2.
  IpAddress a, b;
  a.bytes[0] = b.bytes[0] = 10;
  a.bytes[3] = 1;
  b.bytes[3] = 2;
  const auto state = engine.transactions().find(transaction_key(parsed, a, b));
  REQUIRE(state.has_value());
  CHECK(state->request_seen);
  CHECK(state->cancelled);
  CHECK(state->final_code == 0);
  CHECK(transaction_key(parsed, a, b) == transaction_key(parsed, b, a));  // either direction
}

TEST_CASE("the table grows instead of evicting a live transaction, up to its bound", "[transactions]") {
  TransactionTable table(TransactionTableConfig{.capacity = 64, .initial_capacity = 8});
  CHECK(table.capacity() == 8);
  CHECK(table.max_capacity() == 64);
  auto message = [](std::uint64_t id, std::int64_t ts) {
    return TransactionMessage{.key = {.hi = id * 0x9E3779B97F4A7C15ull, .lo = id}, .is_request = true, .ts_ns = ts};
  };
  for (std::uint64_t id = 1; id <= 20; ++id) CHECK(table.observe(message(id, 1)) == TransactionEvent::first);
  CHECK(table.stats().evicted == 0);
  CHECK(table.stats().grown >= 2);
  CHECK(table.capacity() >= 32);
  // Every one of them is still known: the next copy of each is a retransmission.
  for (std::uint64_t id = 1; id <= 20; ++id)
    CHECK(table.observe(message(id, kSec)) == TransactionEvent::retransmission);
  // At the bound, a full table evicts again (and counts it).
  for (std::uint64_t id = 100; id < 200; ++id) table.observe(message(id, 2 * kSec));
  CHECK(table.capacity() == 64);
  CHECK(table.stats().evicted > 0);
}

TEST_CASE("keys whose home window is full live in their second window and are found there", "[transactions]") {
  TransactionTable table(TransactionTableConfig{.capacity = 1024, .initial_capacity = 1024});
  // Twelve keys with the same home slot (same low bits of `lo`), different second windows.
  auto key = [](std::uint64_t n) { return TransactionKey{.hi = n * 64, .lo = (n << 20) | 5}; };
  for (std::uint64_t n = 1; n <= 12; ++n) {
    CHECK(table.observe(TransactionMessage{.key = key(n), .is_request = true, .ts_ns = 1}) == TransactionEvent::first);
  }
  CHECK(table.stats().evicted == 0);
  CHECK(table.stats().grown == 0);
  for (std::uint64_t n = 1; n <= 12; ++n) {
    INFO(n);
    CHECK(table.find(key(n)).has_value());
    CHECK(table.observe(TransactionMessage{.key = key(n), .is_request = true, .ts_ns = kSec}) ==
          TransactionEvent::retransmission);
  }
}

TEST_CASE("a key living in its second window is still found after the table doubles", "[transactions]") {
  // Two windows at first. Keys 1-8 fill window 0 (their `lo` is a multiple of 4: window 0 at 2 and
  // 4 windows); key 9 has its home there too, so it overflows into window 1 (its `hi`). Keys 10-16
  // fill window 1, and key 17, home 0 and second 1, finds both full: the table doubles. Key 9 stays
  // in window 1, not its home: only the overflow bit its home gets again in the doubling finds it.
  TransactionTable table(TransactionTableConfig{.capacity = 1024, .initial_capacity = 16});
  auto key = [](std::uint64_t n) {
    if (n <= 9) return TransactionKey{.hi = n == 9 ? 1 : 4 * n, .lo = 4 * n};
    if (n <= 16) return TransactionKey{.hi = 4 * n + 1, .lo = 4 * n + 1};
    return TransactionKey{.hi = 4 * n + 1, .lo = 4 * n};
  };
  auto request = [&](std::uint64_t n, std::int64_t ts) {
    return table.observe(TransactionMessage{.key = key(n), .is_request = true, .ts_ns = ts});
  };
  for (std::uint64_t n = 1; n <= 16; ++n) CHECK(request(n, 1) == TransactionEvent::first);
  CHECK(table.stats().grown == 0);
  CHECK(request(17, 1) == TransactionEvent::first);
  CHECK(table.stats().grown >= 1);
  CHECK(table.stats().evicted == 0);
  for (std::uint64_t n = 1; n <= 17; ++n) {
    INFO(n);
    CHECK(table.find(key(n)).has_value());
    CHECK(request(n, kSec) == TransactionEvent::retransmission);
  }
}

namespace {

// The table's rules transcribed plainly (one struct a slot, every slot of a window read, no
// prefetch, a doubling into a new vector): the reference a faster layout of TransactionTable must
// agree with, event for event and counter for counter. Kept from an attempt at a split layout
// (control bytes, times, entries; docs/performance.md, "Transaction table: one probe"), which it
// checked; since 2026-12-02 the table's windows lie side by side and a doubling splits each in two
// ("A table that doubles in place").
class ReferenceTable {
 public:
  explicit ReferenceTable(TransactionTableConfig config) : config_(config) {
    max_ = std::bit_ceil(std::max<std::size_t>(config.capacity, 8));
    slots_.resize(std::min(max_, std::bit_ceil(std::max<std::size_t>(config.initial_capacity, 8))));
  }
  TransactionEvent observe(const TransactionMessage& m) {
    now_ = std::max(now_, m.ts_ns);
    Slot& e = find_or_insert(m.key);
    e.last = now_;
    if (m.is_request) {
      const std::uint8_t bit = m.is_ack ? 2 : 1;
      std::int64_t& copy = m.is_ack ? e.ack : e.request;
      if ((e.flags & bit) != 0) return repeat(copy, m.ts_ns);
      e.flags |= bit;
      copy = m.ts_ns;
      return TransactionEvent::first;
    }
    if (m.status_code < 200) return TransactionEvent::first;
    if (e.code == m.status_code && e.tag == m.to_tag_hash) return repeat(e.final, m.ts_ns);
    e.code = m.status_code;
    e.tag = m.to_tag_hash;
    e.final = m.ts_ns;
    return TransactionEvent::first;
  }
  bool cancel(const TransactionKey& key, std::int64_t ts) {
    now_ = std::max(now_, ts);
    Slot* e = find_live(key);
    if (e == nullptr) return ++stats.cancels_unmatched, false;
    e->flags |= 4;
    e->last = now_;
    return ++stats.cancels_matched, true;
  }
  std::optional<TransactionTable::State> find(const TransactionKey& key) {
    const Slot* e = find_live(key);
    if (e == nullptr) return std::nullopt;
    return TransactionTable::State{(e->flags & 1) != 0, (e->flags & 4) != 0, e->code};
  }
  std::size_t capacity() const { return slots_.size(); }
  TransactionTableStats stats;

 private:
  struct Slot {
    std::uint64_t hi = 0, lo = 0;
    std::int64_t last = 0, request = 0, ack = 0, final = 0;
    std::uint32_t tag = 0;
    std::uint16_t code = 0;
    std::uint8_t flags = 0;
    bool overflowed = false;
    bool empty() const { return (hi | lo) == 0; }
  };
  std::size_t windows() const { return slots_.size() / 8; }
  // The first slot of the window a hash names.
  std::size_t first_of(std::uint64_t hash) const { return (hash % windows()) * 8; }
  Slot& at(std::size_t i) { return slots_[i]; }
  bool live(const Slot& e) const { return !e.empty() && now_ - e.last <= config_.lifetime_ns; }
  int rank(const Slot& e) const { return e.empty() ? 0 : live(e) ? 2 : 1; }
  Slot* scan(std::uint64_t hash, const TransactionKey& key, Slot*& victim) {
    for (std::size_t i = 0; i < 8; ++i) {
      Slot& e = at(first_of(hash) + i);
      if (e.hi == key.hi && e.lo == key.lo) return &e;
      if (victim == nullptr || rank(e) < rank(*victim) || (rank(e) == rank(*victim) && e.last < victim->last))
        victim = &e;
    }
    return nullptr;
  }
  Slot* find_live(const TransactionKey& key) {
    Slot* ignored = nullptr;
    Slot* e = scan(key.lo, key, ignored);
    if (e == nullptr && at(first_of(key.lo)).overflowed) e = scan(key.hi, key, ignored);
    return e != nullptr && live(*e) ? e : nullptr;
  }
  Slot& find_or_insert(const TransactionKey& key) {
    Slot* victim = nullptr;
    Slot* second_victim = nullptr;
    Slot* found = scan(key.lo, key, victim);
    const bool overflowed = at(first_of(key.lo)).overflowed;
    if (found == nullptr && overflowed) found = scan(key.hi, key, second_victim);
    if (found != nullptr) {
      if (live(*found)) return *found;
      victim = found;
    } else if (live(*victim)) {
      if (!overflowed) scan(key.hi, key, second_victim);
      if (live(*second_victim) && slots_.size() < max_) {
        grow();
        return find_or_insert(key);
      }
      if (!live(*second_victim) || second_victim->last < victim->last) {
        victim = second_victim;
        at(first_of(key.lo)).overflowed = true;
      }
    }
    if (!victim->empty()) ++(live(*victim) ? stats.evicted : stats.expired);
    const bool keep = victim->overflowed;
    *victim = Slot{.hi = key.hi, .lo = key.lo, .last = now_};
    victim->overflowed = keep;
    ++stats.created;
    return *victim;
  }
  // Each old window's live keys, in their order, go to the first free slot of the window their
  // hash names in a table twice the size (by the half of the key that put them where they were);
  // a key in its second window marks its new home window.
  void grow() {
    const std::vector<Slot> old = std::move(slots_);
    const std::size_t old_windows = old.size() / 8;
    slots_.assign(2 * old.size(), Slot{});
    ++stats.grown;
    for (std::size_t w = 0; w < old_windows; ++w) {
      for (std::size_t i = 0; i < 8; ++i) {
        const Slot& e = old[w * 8 + i];
        if (!live(e)) continue;
        const bool at_home = e.lo % old_windows == w;
        const std::size_t first = first_of(at_home ? e.lo : e.hi);
        std::size_t free = first;
        while (!at(free).empty()) ++free;
        REQUIRE(free < first + 8);  // a window of 8 gives at most 8
        const bool keep = at(free).overflowed;
        at(free) = e;
        at(free).overflowed = keep;
        if (!at_home) at(first_of(e.lo)).overflowed = true;
      }
    }
  }
  TransactionEvent repeat(std::int64_t& copy, std::int64_t ts) const {
    const std::int64_t gap = ts > copy ? ts - copy : copy - ts;
    copy = ts;
    return gap < config_.duplicate_window_ns ? TransactionEvent::duplicate : TransactionEvent::retransmission;
  }
  TransactionTableConfig config_;
  std::vector<Slot> slots_;
  std::size_t max_ = 0;
  std::int64_t now_ = 0;
};

}  // namespace

TEST_CASE("the table agrees with the reference layout on random traffic: events, lookups, counters", "[transactions]") {
  // Small tables and few distinct keys whose low bits collide, so that windows fill, overflow into
  // their second window, grow, expire and (at the bound) evict; time mostly forward, sometimes
  // back, sometimes jumping past the lifetime.
  const auto [capacity, initial, keys] =
      GENERATE(std::tuple{64, 8, 40}, std::tuple{256, 16, 600}, std::tuple{1024, 8, 3000}, std::tuple{32, 32, 200});
  const TransactionTableConfig config{.capacity = static_cast<std::size_t>(capacity),
                                      .initial_capacity = static_cast<std::size_t>(initial),
                                      .lifetime_ns = 2 * kSec,
                                      .duplicate_window_ns = 50 * kMs};
  TransactionTable table(config);
  ReferenceTable reference(config);
  std::mt19937_64 random(static_cast<std::uint64_t>(capacity * 7919 + keys));
  std::int64_t ts = kSec;
  for (int step = 0; step < 200'000; ++step) {
    const std::uint64_t n = random() % static_cast<std::uint64_t>(keys) + 1;
    // lo decides the home slot, hi the second window: few distinct values of each, so collisions.
    const TransactionKey key{.hi = n * 0x9E3779B97F4A7C15ull >> 7, .lo = (n % 97) * 1'000'003 + (n >> 3)};
    const std::uint64_t what = random();
    switch (what % 64) {
      case 0:
        ts -= static_cast<std::int64_t>(random() % 100) * kMs;
        break;
      case 1:
        ts += static_cast<std::int64_t>(random() % 3000) * kMs;
        break;
      default:
        ts += static_cast<std::int64_t>(random() % 6) * kMs;
        break;
    }
    INFO("step " << step << " key " << n);
    if (what % 23 == 0) {
      REQUIRE(table.cancel(key, ts) == reference.cancel(key, ts));
    } else if (what % 29 == 0) {
      const auto got = table.find(key);
      const auto want = reference.find(key);
      REQUIRE(got.has_value() == want.has_value());
      if (got) {
        CHECK(got->request_seen == want->request_seen);
        CHECK(got->cancelled == want->cancelled);
        CHECK(got->final_code == want->final_code);
      }
    } else {
      const std::uint64_t kind = (what >> 8) % 6;
      const TransactionMessage message{
          .key = key,
          .is_request = kind < 3,
          .is_ack = kind == 2,
          .status_code = static_cast<std::uint16_t>(kind == 3 ? 180 : 200 + (kind - 4) * 286),
          .to_tag_hash = static_cast<std::uint32_t>((what >> 16) % 2),
          .ts_ns = ts};
      REQUIRE(table.observe(message) == reference.observe(message));
    }
    REQUIRE(table.capacity() == reference.capacity());
  }
  const TransactionTableStats& got = table.stats();
  const TransactionTableStats& want = reference.stats;
  CHECK(got.created == want.created);
  CHECK(got.expired == want.expired);
  CHECK(got.evicted == want.evicted);
  CHECK(got.grown == want.grown);
  CHECK(got.cancels_matched == want.cancels_matched);
  // The run must have exercised what it is about.
  CHECK(want.expired > 0);
  CHECK(want.grown + want.evicted > 0);
}
