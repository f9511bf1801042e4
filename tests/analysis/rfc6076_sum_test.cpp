#include <catch2/catch.hpp>

#include "analysis/rfc6076_sum.h"

using namespace sipmon;

namespace {

// A block in which every count is `n` (pending `pending`), with one SRD of `srd` seconds.
Rfc6076Report block(std::uint64_t n, std::uint64_t pending, double srd) {
  Rfc6076Report r;
  SessionCounts& s = r.sessions;
  s.attempts = s.established = s.redirected = s.effective = s.ineffective = n;
  s.completed = s.cancelled = s.failed = s.timeouts = n;
  s.pending = pending;
  for (auto& c : s.closed.by_outcome) c = n;
  RegistrationCounts& g = r.registrations;
  g.attempts = g.succeeded = g.ineffective = g.timeouts = n;
  g.pending = pending + 1;
  for (auto& c : g.closed) c = n;
  r.sdd_timeouts = n;
  r.srd.observe(srd);
  r.sdt.observe(srd * 100);
  return r;
}

}  // namespace

TEST_CASE("add_rfc6076 adds every count and closed outcome, registrations' included", "[series][merge]") {
  Rfc6076Report total = block(2, 5, 0.1);
  add_rfc6076(total, block(3, 7, 0.3), PendingRule::sum);
  const SessionCounts& s = total.sessions;
  for (std::uint64_t n : {s.attempts, s.established, s.redirected, s.effective, s.ineffective, s.completed, s.cancelled,
                          s.failed, s.timeouts, total.sdd_timeouts})
    CHECK(n == 5);
  for (std::uint64_t n : s.closed.by_outcome) CHECK(n == 5);
  const RegistrationCounts& g = total.registrations;
  for (std::uint64_t n : {g.attempts, g.succeeded, g.ineffective, g.timeouts}) CHECK(n == 5);
  // The field the merge's copy left out: registration attempts closed, by outcome.
  for (std::uint64_t n : g.closed) CHECK(n == 5);
  CHECK(total.srd.count() == 2);
  CHECK(total.srd.min() == Approx(0.1));
  CHECK(total.srd.max() == Approx(0.3));
  CHECK(total.sdt.sum() == Approx(40.0));
  CHECK(total.rrd.count() == 0);
}

TEST_CASE("pending: the later gauge for a running sum, the sum for shards", "[series][merge]") {
  Rfc6076Report running = block(1, 4, 0.1);
  add_rfc6076(running, block(1, 2, 0.1), PendingRule::latest);
  CHECK(running.sessions.pending == 2);  // attempts undecided at the end of the later interval
  CHECK(running.registrations.pending == 3);
  Rfc6076Report shards = block(1, 4, 0.1);
  add_rfc6076(shards, block(1, 2, 0.1), PendingRule::sum);
  CHECK(shards.sessions.pending == 6);  // different calls: both undecided
  CHECK(shards.registrations.pending == 8);
  CHECK(running.sessions.attempts == shards.sessions.attempts);  // the rule touches pending only
}
