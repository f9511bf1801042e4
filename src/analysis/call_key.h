#pragma once
// Fixed-size keys for the call tables. A table entry must outlive the packet it was created from,
// so it cannot keep views into packet buffers; copying Call-IDs and tags (up to hundreds of bytes
// each, attacker-chosen) would make the memory per entry unbounded. A 128-bit digest of the
// identifying fields is fixed-size, and two different calls share one only with probability
// ~2^-64 even among 2^32 live entries.
#include <cstdint>
#include <string_view>

namespace sipmon {

struct CallKey {
  std::uint64_t lo = 0;  // also the table's hash: spread over all bits
  std::uint64_t hi = 0;
  friend bool operator==(const CallKey&, const CallKey&) = default;
};

// Session attempt and INVITE forking group: Call-ID + From-tag (RFC 3261 §8.1.1.3/§8.1.1.4).
CallKey attempt_key(std::string_view call_id, std::string_view from_tag);
// Registration attempt: the Call-ID alone. A UA keeps one Call-ID for all its REGISTERs
// (§10.2), and some UAs change the From-tag on the authenticated retry.
CallKey registration_key(std::string_view call_id);
// Dialog (§12): Call-ID + both tags, ordered so that either direction gives the same key.
CallKey dialog_key(std::string_view call_id, std::string_view tag_a, std::string_view tag_b);
// Media (media_tracker.h): a call by its Call-ID alone (offer and answer share nothing else), and
// any fixed-size binary identity (an endpoint's address and port, a stream's SSRC and call) under
// a domain number that keeps the kinds apart.
CallKey media_call_key(std::string_view call_id);
CallKey binary_key(std::uint64_t domain, std::string_view bytes);
// The same for an identity of three words (an address and a port, a call key and an SSRC): no
// byte buffer, two hashing steps (an RTP packet computes two such keys).
CallKey binary_key(std::uint64_t domain, std::uint64_t w0, std::uint64_t w1, std::uint64_t w2);

// The same keys from a Call-ID hashed once (the longest field, which every key starts with): a
// message's keys share it (message_keys.h). call_key is registration_key and media_call_key
// alike: they index different tables.
struct CallIdHash {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
};
CallIdHash call_id_hash(std::string_view call_id);
CallKey attempt_key(const CallIdHash& call_id, std::string_view from_tag);
CallKey dialog_key(const CallIdHash& call_id, std::string_view tag_a, std::string_view tag_b);
CallKey call_key(const CallIdHash& call_id);

}  // namespace sipmon
