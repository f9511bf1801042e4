#pragma once
// RFC 6076 registration attempts (§4.1 RRD, §4.2 IRA). A REGISTER and its authenticated retry
// (same Call-ID, higher CSeq, after a 401/407) are one attempt; a REGISTER with a higher CSeq
// after the previous attempt was decided (a refresh, or a new try after a failure) is a new one.
// Retransmissions and copies of a REGISTER seen on two proxy legs have the same CSeq.
//
// Every attempt ends in exactly one of: succeeded (2xx), ineffective (a final response >= 300
// other than an answered challenge, or no final response within Timer F: RFC 3261 §17.1.2.2, 64*T1
// from the REGISTER, whatever provisional responses came), pending (undecided at
// the end of the input), evicted (dropped undecided because the table was full).
#include <cstdint>

#include "analysis/bounded_table.h"
#include "analysis/delay_histogram.h"
#include "analysis/message_keys.h"
#include "analysis/peer_tallies.h"
#include "analysis/report.h"
#include "analysis/sip_message.h"

namespace sipmon {

struct RegistrationTally {
  std::uint64_t attempts = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t ineffective = 0;
  std::uint64_t timeouts = 0;  // also in ineffective
  std::uint64_t evicted = 0;
  std::uint64_t open = 0;                                           // undecided now (pending at the end of the input)
  std::array<std::uint64_t, kClosedRegistrationOutcomes> closed{};  // by ClosedRegistration
  DelayHistogram rrd;
};

class RegistrationTracker {
 public:
  // `peers`: the number of per-peer tallies (peers table and "other"), 0 without --peers.
  RegistrationTracker(std::size_t max_attempts, std::int64_t timer_f_ns, std::size_t peers = 0);

  // `peer`: the REGISTER's peer (PeerTable::peer_of its addresses); the attempt keeps the one of
  // its first REGISTER (an authenticated retry continues it, a refresh starts a new attempt).
  // `keys`: the message's (message_keys.h).
  void on_register(const SipMessage& request, const MessageKeys& keys, std::int64_t ts_ns, PeerId peer = kNoPeer);
  void on_register_response(const SipMessage& response, const MessageKeys& keys, std::int64_t ts_ns);
  // Closes the attempts whose deadline has passed (the oldest first: deadlines follow the age
  // order). Inline: it runs for every packet, and on nearly every one the oldest is not due.
  void advance(std::int64_t now_ns) {
    const Table::Index oldest = table_.oldest();
    if (oldest != Table::kNone && table_[oldest].deadline < now_ns) expire_due(now_ns);
  }

  const RegistrationTally& tally() const { return tallies_.total(); }
  const PeerTallies<RegistrationTally>& tallies() const { return tallies_; }
  std::uint64_t pending() const { return tallies_.total().open; }
  std::size_t size() const { return table_.size(); }
  std::size_t capacity() const { return table_.capacity(); }
  std::size_t reserved_bytes() const { return table_.reserved_bytes(); }
  void prefetch(const CallKey& key) const { table_.prefetch(key); }

 private:
  enum class State : std::uint8_t { waiting, challenged, decided };
  struct Attempt {
    std::int64_t first_ts;
    std::int64_t deadline;
    std::uint32_t cseq;
    State state;
    PeerId peer;
  };
  using Table = BoundedTable<Attempt>;

  void expire_due(std::int64_t now_ns);

  void start(Table::Index index, std::uint32_t cseq, std::int64_t ts_ns, PeerId peer);
  void set_deadline(Table::Index index, std::int64_t deadline);
  static void close(RegistrationTally& t, ClosedRegistration outcome) { ++t.closed[static_cast<std::size_t>(outcome)]; }

  Table table_;
  std::int64_t timer_f_ns_;
  PeerTallies<RegistrationTally> tallies_;
};

}  // namespace sipmon
