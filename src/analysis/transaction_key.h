#pragma once
// Which transaction a message belongs to (RFC 3261 §17.1.3 and §17.2.3), as a 128-bit fingerprint
// hashed from views into the packet. Storing the fingerprint, not the strings, keeps every table
// entry small and fixed-size and means nothing in the table points into a packet buffer that is
// gone once the frame has been handled.
#include <cstdint>
#include <string_view>

#include "analysis/ip_decoder.h"
#include "analysis/sip_message.h"

namespace sipmon {

struct TransactionKey {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  bool rfc2543 = false;  // built by the fallback rules: the top Via had no magic-cookie branch

  friend bool operator==(const TransactionKey& a, const TransactionKey& b) { return a.hi == b.hi && a.lo == b.lo; }
};

// RFC 3261 §8.1.1.7: branches that start with this were made unique by an RFC 3261 element.
inline constexpr std::string_view kMagicCookie = "z9hG4bK";

// The message must have its mandatory headers (SipMessage::mandatory_headers_ok).
//
// With a magic-cookie branch: branch + sent-by of the top Via + method, where an ACK maps to the
// INVITE it acknowledges (an ACK for a non-2xx final shares the INVITE's branch, §17.1.1.3) and a
// CANCEL is its own transaction (same branch, §9.1). A response carries its request's top Via and
// CSeq method, so it lands on the same key (§17.1.3).
//
// Without one (RFC 2543 peers): Call-ID + CSeq number + From tag + sent-by + branch (if any) +
// method. §17.2.3 also compares the Request-URI and To tag; neither is in a response (and the To
// tag is added by the answer), so using them would keep responses from ever finding their request.
//
// Both keys also take the pair of IP addresses the message travelled between, in either order (so
// a response, which travels back, meets its request). One capture point often sees the same
// transaction at two places on its path: the two sides of a NAT or of an SBC that keeps the Via,
// or a mirror port fed from both. Tracking each hop apart means a copy on the other hop is never
// mistaken for a retransmission (tshark keys its resend detection on the addresses too). Ports are
// left out: a server may answer from another port than the one the request went to.
TransactionKey transaction_key(const SipMessage& message, const IpAddress& src, const IpAddress& dst);

// The key of the INVITE a CANCEL cancels: a CANCEL copies the INVITE's Request-URI, Call-ID, From,
// CSeq number and top Via (RFC 3261 §9.1), so only the method differs (§9.2 matching).
TransactionKey cancelled_invite_key(const SipMessage& cancel, const IpAddress& src, const IpAddress& dst);

// A short hash of a tag, to tell the 2xx of one fork from the 2xx of another.
std::uint32_t tag_hash(std::string_view tag);

}  // namespace sipmon
