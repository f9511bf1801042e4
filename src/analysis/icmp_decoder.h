#pragma once
// ICMP and ICMPv6 errors quote the start of the packet that caused them (RFC 792, RFC 4443 §2.4).
// When that packet was SIP, tools that match on content see a SIP message inside the ICMP error;
// it is not one (it was never delivered), so it is counted apart as icmp_quoted_sip.
#include "analysis/anomaly.h"
#include "analysis/bytes.h"

namespace sipmon {

// `message` starts at the ICMP header. Returns icmp_quoted_sip or icmp.
FrameOutcome classify_icmp(Bytes message, bool icmpv6);

}  // namespace sipmon
