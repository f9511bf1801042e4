#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <array>
#include <random>

#include "analysis/call_tracker.h"
#include "analysis/host_filter.h"

using namespace sipmon;

namespace {

IpAddress ip(const char* text) {
  IpAddress address;
  if (inet_pton(AF_INET, text, address.bytes.data()) == 1) {
    address.family = 4;
  } else {
    REQUIRE(inet_pton(AF_INET6, text, address.bytes.data()) == 1);
    address.family = 6;
  }
  return address;
}

SipMessage request(Method method, std::string_view call_id, std::string_view from_tag, std::string_view to_tag,
                   std::uint32_t cseq = 1) {
  SipMessage m;
  m.is_request = true;
  m.method_id = m.cseq_method_id = method;
  m.cseq_number = cseq;
  m.call_id = call_id;
  m.from_tag = from_tag;
  m.to_tag = to_tag;
  return m;
}

SipMessage response(const SipMessage& to, std::uint16_t status, std::string_view to_tag) {
  SipMessage m = to;
  m.is_request = false;
  m.status_code = status;
  m.to_tag = to_tag;
  return m;
}

}  // namespace

TEST_CASE("per peer: an attempt keeps the peer of its first INVITE, whatever the later messages say", "[peers]") {
  CallTrackerConfig config;
  config.peers = 3;  // two listed peers and "other"
  CallTracker tracker(config);
  const std::int64_t t0 = 1'000'000'000'000;
  // Attempt of peer 1: the responses and the callee's BYE arrive with other peers' ids.
  const SipMessage invite = request(Method::invite, "c1", "a", "");
  tracker.on_message(invite, t0, 1);
  tracker.on_message(response(invite, 180, "b"), t0 + 100'000'000, 2);
  tracker.on_message(response(invite, 200, "b"), t0 + 2'000'000'000, 2);
  const SipMessage bye = request(Method::bye, "c1", "b", "a", 7);  // from the callee
  tracker.on_message(bye, t0 + 62'000'000'000, 0);
  tracker.on_message(response(bye, 200, "a"), t0 + 62'010'000'000, 0);
  // Attempt of peer 0, answered 503.
  const SipMessage other_invite = request(Method::invite, "c2", "x", "");
  tracker.on_message(other_invite, t0, 0);
  tracker.on_message(response(other_invite, 503, "y"), t0 + 500'000'000, 1);
  // A registration of "other" (index 2), challenged then accepted with another id.
  const SipMessage reg = request(Method::register_, "r1", "r", "", 1);
  tracker.on_message(reg, t0, 2);
  tracker.on_message(response(reg, 401, "s"), t0 + 1'000'000, 2);
  const SipMessage retry = request(Method::register_, "r1", "r", "", 2);
  tracker.on_message(retry, t0 + 2'000'000, 0);
  tracker.on_message(response(retry, 200, "s"), t0 + 3'000'000, 0);

  std::array<PeerCounts, 3> peers;
  for (std::size_t p = 0; p < peers.size(); ++p) tracker.fill_peer(p, peers[p]);
  const SessionCounts& s1 = peers[1].rfc6076->sessions;
  CHECK(s1.attempts == 1);
  CHECK(s1.established == 1);
  CHECK(s1.completed == 1);
  CHECK(peers[1].rfc6076->srd.count() == 1);
  CHECK(peers[1].rfc6076->sdt.count() == 1);
  CHECK(peers[1].rfc6076->sdd.count() == 1);
  CHECK(peers[1].dialogs->established == 1);
  CHECK(peers[1].dialogs->terminated_bye_2xx == 1);
  CHECK(peers[1].rfc6076->registrations.attempts == 0);
  const SessionCounts& s0 = peers[0].rfc6076->sessions;
  CHECK(s0.attempts == 1);
  CHECK(s0.ineffective == 1);
  CHECK(peers[0].rfc6076->srd_failed.count() == 1);
  CHECK(peers[0].dialogs->established == 0);
  CHECK(peers[0].rfc6076->registrations.attempts == 0);
  CHECK(peers[2].rfc6076->sessions.attempts == 0);
  CHECK(peers[2].rfc6076->registrations.attempts == 1);
  CHECK(peers[2].rfc6076->registrations.succeeded == 1);
  CHECK(peers[2].rfc6076->rrd.count() == 1);

  Report total;
  tracker.fill(total);
  CHECK(total.rfc6076->sessions.attempts == 2);
  CHECK(total.rfc6076->registrations.attempts == 1);
}

TEST_CASE("per peer: in a message soup the peers add up to the totals and each balances", "[peers][soup]") {
  CallTrackerConfig config;
  config.max_dialogs = 4;
  config.max_session_attempts = 3;
  config.max_registration_attempts = 2;
  config.default_session_expires_ns = 100'000'000'000;
  config.peers = 4;
  CallTracker tracker(config);

  const std::array<std::string_view, 3> call_ids = {"c0", "c1", "c2"};
  const std::array<std::string_view, 3> tags = {"", "t0", "t1"};
  const std::array<Method, 8> methods = {Method::invite, Method::invite, Method::bye,    Method::register_,
                                         Method::update, Method::ack,    Method::cancel, Method::info};
  const std::array<std::uint16_t, 12> statuses = {100, 180, 200, 200, 302, 401, 407, 408, 481, 486, 487, 503};
  std::mt19937_64 random(19);
  std::int64_t now = 1'000'000'000'000;
  for (int step = 0; step < 100'000; ++step) {
    SipMessage m;
    m.is_request = random() % 2 == 0;
    const Method method = methods[random() % methods.size()];
    if (m.is_request) {
      m.method_id = method;
    } else {
      m.status_code = statuses[random() % statuses.size()];
    }
    m.cseq_method_id = method;
    m.cseq_number = static_cast<std::uint32_t>(1 + random() % 3);
    m.call_id = call_ids[random() % call_ids.size()];
    m.from_tag = tags[1 + random() % 2];
    m.to_tag = tags[random() % tags.size()];
    now += static_cast<std::int64_t>(random() % 3'000'000'000);
    tracker.advance(now);
    tracker.on_message(m, now, static_cast<PeerId>(random() % 4));
  }
  Report total;
  tracker.fill(total);
  SessionCounts s{};
  RegistrationCounts g{};
  DialogCounts d{};
  std::uint64_t srd = 0, sdd = 0, sdt = 0, rrd = 0;
  for (std::size_t p = 0; p < 4; ++p) {
    PeerCounts peer;
    tracker.fill_peer(p, peer);
    const SessionCounts& ps = peer.rfc6076->sessions;
    const DialogCounts& pd = *peer.dialogs;
    const SessionTally& tally = tracker.sessions().tallies().peer(p);
    CHECK(ps.attempts ==
          ps.established + ps.redirected + ps.cancelled + ps.ineffective + ps.failed + ps.pending + tally.evicted);
    CHECK(pd.established == pd.terminated + pd.expired + pd.evicted + pd.active);
    CHECK(peer.rfc6076->srd.count() == ps.established);
    s.attempts += ps.attempts;
    s.established += ps.established;
    s.ineffective += ps.ineffective;
    s.completed += ps.completed;
    s.pending += ps.pending;
    g.attempts += peer.rfc6076->registrations.attempts;
    g.succeeded += peer.rfc6076->registrations.succeeded;
    d.established += pd.established;
    d.active += pd.active;
    d.expired += pd.expired;
    srd += peer.rfc6076->srd.count();
    sdd += peer.rfc6076->sdd.count();
    sdt += peer.rfc6076->sdt.count();
    rrd += peer.rfc6076->rrd.count();
  }
  const SessionCounts& ts = total.rfc6076->sessions;
  CHECK(ts.attempts > 0);
  CHECK(s.attempts == ts.attempts);
  CHECK(s.established == ts.established);
  CHECK(s.ineffective == ts.ineffective);
  CHECK(s.completed == ts.completed);
  CHECK(s.pending == ts.pending);
  CHECK(g.attempts == total.rfc6076->registrations.attempts);
  CHECK(g.succeeded == total.rfc6076->registrations.succeeded);
  CHECK(d.established == total.dialogs->established);
  CHECK(d.active == total.dialogs->active);
  CHECK(d.expired == total.dialogs->expired);
  CHECK(srd == total.rfc6076->srd.count());
  CHECK(sdd == total.rfc6076->sdd.count());
  CHECK(sdt == total.rfc6076->sdt.count());
  CHECK(rrd == total.rfc6076->rrd.count());
}

TEST_CASE("host filter (--hosts): a payload is kept when either address is in a listed network", "[hosts]") {
  const auto filter = HostFilter::parse("192.0.2.0/24, 2001:db8::/32,198.51.100.7");
  REQUIRE(filter);
  CHECK(filter->keeps(ip("192.0.2.99"), ip("10.0.0.1")));
  CHECK(filter->keeps(ip("10.0.0.1"), ip("192.0.2.1")));
  CHECK(filter->keeps(ip("10.0.0.1"), ip("198.51.100.7")));
  CHECK_FALSE(filter->keeps(ip("10.0.0.1"), ip("198.51.100.8")));
  CHECK(filter->keeps(ip("2001:db8:1::5"), ip("::1")));
  CHECK_FALSE(filter->keeps(ip("2001:db9::5"), ip("10.0.0.1")));
  CHECK_FALSE(filter->keeps(ip("10.0.0.1"), ip("10.0.0.2")));

  CHECK_FALSE(HostFilter::parse("10.0.0.0/33"));
  CHECK_FALSE(HostFilter::parse("10.0.0.0/8,"));
  CHECK_FALSE(HostFilter::parse("example.com"));
  CHECK_FALSE(HostFilter::parse(""));
  std::string many;
  for (int i = 0; i <= 256; ++i)
    many += (i ? "," : "") + std::string("10.0.") + std::to_string(i / 250) + "." + std::to_string(i % 250);
  CHECK_FALSE(HostFilter::parse(many));
}
