#include "analysis/rfc6076_sum.h"

namespace sipmon {

void add_rfc6076(Rfc6076Report& total, const Rfc6076Report& add, PendingRule pending) {
  SessionCounts& s = total.sessions;
  const SessionCounts& ds = add.sessions;
  s.attempts += ds.attempts;
  s.established += ds.established;
  s.redirected += ds.redirected;
  s.effective += ds.effective;
  s.ineffective += ds.ineffective;
  s.completed += ds.completed;
  s.cancelled += ds.cancelled;
  s.failed += ds.failed;
  s.timeouts += ds.timeouts;
  for (std::size_t i = 0; i < kClosedOutcomes; ++i) s.closed.by_outcome[i] += ds.closed.by_outcome[i];
  RegistrationCounts& g = total.registrations;
  const RegistrationCounts& dg = add.registrations;
  g.attempts += dg.attempts;
  g.succeeded += dg.succeeded;
  g.ineffective += dg.ineffective;
  g.timeouts += dg.timeouts;
  for (std::size_t i = 0; i < kClosedRegistrationOutcomes; ++i) g.closed[i] += dg.closed[i];
  switch (pending) {
    case PendingRule::latest:
      s.pending = ds.pending;
      g.pending = dg.pending;
      break;
    case PendingRule::sum:
      s.pending += ds.pending;
      g.pending += dg.pending;
      break;
  }
  total.srd.merge(add.srd);
  total.srd_failed.merge(add.srd_failed);
  total.sdd.merge(add.sdd);
  total.sdt.merge(add.sdt);
  total.rrd.merge(add.rrd);
  total.sdd_timeouts += add.sdd_timeouts;
}

}  // namespace sipmon
