#include "analysis/ip_prefix.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <string>

namespace sipmon {

bool IpPrefix::contains(const IpAddress& address) const {
  if (address.family != family) return false;
  const unsigned full = length / 8u;
  if (!std::equal(bytes.begin(), bytes.begin() + full, address.bytes.begin())) return false;
  const unsigned rest = length % 8u;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (address.bytes[full] & mask) == bytes[full];
}

Expected<IpPrefix> parse_ip_prefix(std::string_view text) {
  const auto slash = text.find('/');
  const std::string address(text.substr(0, slash));
  IpPrefix prefix;
  if (inet_pton(AF_INET, address.c_str(), prefix.bytes.data()) == 1) {
    prefix.family = 4;
  } else if (inet_pton(AF_INET6, address.c_str(), prefix.bytes.data()) == 1) {
    prefix.family = 6;
  } else {
    return make_error(ErrorKind::input, "'" + std::string(text) + "' is not an IPv4 or IPv6 address or prefix");
  }
  const unsigned max_length = prefix.family == 4 ? 32 : 128;
  unsigned length = max_length;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (error != std::errc() || end != digits.data() + digits.size() || digits.empty() || length > max_length) {
      return make_error(ErrorKind::input, "'" + std::string(text) + "' has a bad prefix length");
    }
  }
  prefix.length = static_cast<std::uint8_t>(length);
  for (unsigned bit = length; bit < 128; ++bit)
    prefix.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  return prefix;
}

}  // namespace sipmon
