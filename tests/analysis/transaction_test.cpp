#include <string>

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
