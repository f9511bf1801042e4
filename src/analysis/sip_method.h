#pragma once
// SIP methods of RFC 3261 and the extensions that define a method. Methods are case-sensitive
// (RFC 3261 §7.1): "REGIStER" is an extension method, not REGISTER, and tshark counts it apart.
#include <cstdint>
#include <string_view>

namespace sipmon {

enum class Method : std::uint8_t {
  invite,     // RFC 3261
  ack,        // RFC 3261
  bye,        // RFC 3261
  cancel,     // RFC 3261
  options,    // RFC 3261
  register_,  // RFC 3261
  prack,      // RFC 3262
  subscribe,  // RFC 6665
  notify,     // RFC 6665
  publish,    // RFC 3903
  info,       // RFC 6086
  refer,      // RFC 3515
  message,    // RFC 3428
  update,     // RFC 3311
  other,      // any other token: counted by its own spelling, up to a bound
};

inline constexpr std::size_t kKnownMethodCount = static_cast<std::size_t>(Method::other);

Method method_from_token(std::string_view token);
std::string_view method_name(Method method);

}  // namespace sipmon
