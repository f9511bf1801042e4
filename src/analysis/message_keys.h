#pragma once
// The keys one SIP message is looked up by, each computed at most once for the message however
// many tables ask: the call tables' keys (call_key.h) from one hash of its Call-ID, and the tag
// hashes the transaction and media tables compare (transaction_key.h). The engine makes one per
// message once it is parsed and hands it down with the message: the prefetches, the transaction
// table, the call trackers, the call records and media all read the same values. Each is computed
// on first use (a message needs only some of them: a REGISTER no dialog key, a 100 no attempt key
// for the recorder), and the values are exactly the functions' of call_key.h and
// transaction_key.h, so keys stored in one table are found from another (and by every shard
// engine of `replay --threads N`).
//
// Holds a reference to the message: valid only while the message is (one message's handling).
#include <cstdint>

#include "analysis/call_key.h"
#include "analysis/sip_message.h"
#include "analysis/transaction_key.h"

namespace sipmon {

class MessageKeys {
 public:
  explicit MessageKeys(const SipMessage& message) : message_(message) {}
  MessageKeys(const MessageKeys&) = delete;
  MessageKeys& operator=(const MessageKeys&) = delete;

  const SipMessage& message() const { return message_; }

  // The Call-ID absorbed once: every key below starts from it.
  const CallIdHash& call_id() const {
    return once(kCallId, call_id_, [this] { return call_id_hash(message_.call_id); });
  }
  // attempt_key(Call-ID, From-tag): the session attempt (and its call record).
  const CallKey& attempt() const {
    return once(kAttempt, attempt_, [this] { return attempt_key(call_id(), message_.from_tag); });
  }
  // attempt_key(Call-ID, To-tag): the attempt of a request the callee sent (or a response to one),
  // for the call records. Rare: not kept.
  CallKey callee_attempt() const { return attempt_key(call_id(), message_.to_tag); }
  // dialog_key(Call-ID, From-tag, To-tag).
  const CallKey& dialog() const {
    return once(kDialog, dialog_, [this] { return dialog_key(call_id(), message_.from_tag, message_.to_tag); });
  }
  // call_key(Call-ID): registrations and media calls (registration_key, media_call_key).
  const CallKey& call() const {
    return once(kCall, call_, [this] { return call_key(call_id()); });
  }
  // tag_hash of the From and To tags.
  std::uint32_t from_tag_hash() const {
    return once(kFromTag, from_tag_hash_, [this] { return tag_hash(message_.from_tag); });
  }
  std::uint32_t to_tag_hash() const {
    return once(kToTag, to_tag_hash_, [this] { return tag_hash(message_.to_tag); });
  }

 private:
  static constexpr std::uint8_t kCallId = 1, kAttempt = 2, kDialog = 4, kCall = 8, kFromTag = 16, kToTag = 32;

  // The one step every key above shares: computes `slot` the first time `bit` is asked for.
  template <typename Value, typename Compute>
  const Value& once(std::uint8_t bit, Value& slot, Compute compute) const {
    if ((have_ & bit) == 0) {
      slot = compute();
      have_ |= bit;
    }
    return slot;
  }

  const SipMessage& message_;
  mutable std::uint8_t have_ = 0;
  mutable std::uint32_t from_tag_hash_ = 0;
  mutable std::uint32_t to_tag_hash_ = 0;
  mutable CallIdHash call_id_;
  mutable CallKey attempt_;
  mutable CallKey dialog_;
  mutable CallKey call_;
};

}  // namespace sipmon
