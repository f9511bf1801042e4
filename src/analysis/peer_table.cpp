#include "analysis/peer_table.h"

#include <algorithm>
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
      return make_error(ErrorKind::input, where + "more than " + std::to_string(kMaxPeers) +
                                              " peers: split the file over several sipmon instances (--hosts)");
    }
    const auto peer = static_cast<std::uint16_t>(table.names_.size());
    table.names_.push_back(name);
    std::size_t cidrs = 0;
    for (std::string cidr; words >> cidr; ++cidrs) {
      auto network = parse_ip_prefix(cidr);
      if (!network) return make_error(ErrorKind::input, where + network.error().message);
      if (table.prefixes_.size() == kMaxPrefixes) {
        return make_error(ErrorKind::input, where + "more than " + std::to_string(kMaxPrefixes) + " prefixes");
      }
      table.prefixes_.push_back(Prefix{*network, peer});
    }
    if (cidrs == 0) return make_error(ErrorKind::input, where + "peer '" + name + "' has no address or prefix");
  }
  std::stable_sort(table.prefixes_.begin(), table.prefixes_.end(),
                   [](const Prefix& a, const Prefix& b) { return a.network.length > b.network.length; });
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
    if (prefix.network.contains(address)) return prefix.peer;
  }
  return other_index();
}

}  // namespace sipmon
