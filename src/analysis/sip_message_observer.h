#pragma once
// What the engine tells an observer about each SIP message it counts (`--hep-out` forwards them
// to a HEP collector). Defined here so that the engine calls outputs without knowing them.
#include "analysis/payload.h"
#include "analysis/sip_message.h"

namespace sipmon {

class SipMessageObserver {
 public:
  virtual ~SipMessageObserver() = default;
  // Called for every SIP message counted (retransmissions and messages with defects included),
  // with the payload that carried it. Both are views valid only during the call; the observer
  // must not block.
  virtual void on_sip_message(const Payload& payload, const SipMessage& message) = 0;
};

}  // namespace sipmon
