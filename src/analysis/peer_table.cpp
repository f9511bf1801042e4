#include "analysis/peer_table.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace sipmon {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 32 || name == PeerTable::kOtherName) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

bool matches(const std::array<std::uint8_t, 16>& address, const std::array<std::uint8_t, 16>& prefix, unsigned length) {
  const unsigned full = length / 8;
  if (!std::equal(prefix.begin(), prefix.begin() + full, address.begin())) return false;
  const unsigned rest = length % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (address[full] & mask) == prefix[full];
}

}  // namespace

Expected<PeerTable> PeerTable::parse(std::string_view text, std::string_view origin) {
  PeerTable table;
  std::istringstream lines{std::string(text)};
  std::size_t number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    const auto where = std::string(origin) + ":" + std::to_string(number) + ": ";
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string name;
    if (!(words >> name)) continue;
    if (!valid_name(name)) {
      return make_error(ErrorKind::input,
                        where + "bad peer name '" + name + "' (1-32 of A-Z a-z 0-9 _ . -, not 'other')");
    }
    if (std::find(table.names_.begin(), table.names_.end(), name) != table.names_.end()) {
      return make_error(ErrorKind::input, where + "peer '" + name + "' is named twice");
    }
    if (table.names_.size() == kMaxPeers) {
      return make_error(ErrorKind::input, where + "more than " + std::to_string(kMaxPeers) + " peers");
    }
    const auto peer = static_cast<std::uint8_t>(table.names_.size());
    table.names_.push_back(name);
    std::size_t cidrs = 0;
    for (std::string cidr; words >> cidr; ++cidrs) {
      const auto slash = cidr.find('/');
      const std::string address = cidr.substr(0, slash);
      Prefix prefix;
      prefix.peer = peer;
      if (inet_pton(AF_INET, address.c_str(), prefix.bytes.data()) == 1) {
        prefix.family = 4;
      } else if (inet_pton(AF_INET6, address.c_str(), prefix.bytes.data()) == 1) {
        prefix.family = 6;
      } else {
        return make_error(ErrorKind::input, where + "'" + cidr + "' is not an IPv4 or IPv6 address or prefix");
      }
      const unsigned max_length = prefix.family == 4 ? 32 : 128;
      unsigned length = max_length;
      if (slash != std::string::npos) {
        const std::string_view digits = std::string_view(cidr).substr(slash + 1);
        const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
        if (error != std::errc() || end != digits.data() + digits.size() || digits.empty() || length > max_length) {
          return make_error(ErrorKind::input, where + "'" + cidr + "' has a bad prefix length");
        }
      }
      prefix.length = static_cast<std::uint8_t>(length);
      // Host bits are ignored (192.0.2.7/24 is 192.0.2.0/24), as most routers read it.
      for (unsigned bit = length; bit < 128; ++bit)
        prefix.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
      if (table.prefixes_.size() == kMaxPrefixes) {
        return make_error(ErrorKind::input, where + "more than " + std::to_string(kMaxPrefixes) + " prefixes");
      }
      table.prefixes_.push_back(prefix);
    }
    if (cidrs == 0) return make_error(ErrorKind::input, where + "peer '" + name + "' has no address or prefix");
  }
  std::stable_sort(table.prefixes_.begin(), table.prefixes_.end(),
                   [](const Prefix& a, const Prefix& b) { return a.length > b.length; });
  return table;
}

Expected<PeerTable> PeerTable::load(const std::string& path) {
  std::ifstream file(path);
  if (!file) return make_error(ErrorKind::input, path + ": cannot read the peers file");
  std::ostringstream text;
  text << file.rdbuf();
  return parse(text.str(), path);
}

std::size_t PeerTable::lookup(const IpAddress& address) const {
  for (const Prefix& prefix : prefixes_) {
    if (prefix.family == address.family && matches(address.bytes, prefix.bytes, prefix.length)) return prefix.peer;
  }
  return other_index();
}

}  // namespace sipmon
