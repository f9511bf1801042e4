#include "analysis/sip_counts.h"

#include <algorithm>
#include <map>

namespace sipmon {

void RequestCounts::count(Method method, std::string_view token) {
  if (method != Method::other) {
    ++standard[static_cast<std::size_t>(method)];
    return;
  }
  if (token.size() <= ExtensionMethodCount::kMaxLength) {
    for (std::size_t i = 0; i < extension_count; ++i) {
      ExtensionMethodCount& entry = extensions[i];
      if (entry.spelling() == token) {
        ++entry.count;
        return;
      }
    }
    if (extension_count < extensions.size()) {
      ExtensionMethodCount& entry = extensions[extension_count++];
      std::copy(token.begin(), token.end(), entry.storage.begin());
      entry.length = static_cast<std::uint8_t>(token.size());
      entry.count = 1;
      return;
    }
  }
  ++overflow;
}

std::uint64_t RequestCounts::operator[](Method method) const {
  if (method != Method::other) return standard[static_cast<std::size_t>(method)];
  std::uint64_t sum = overflow;
  for (const ExtensionMethodCount& entry : extension_methods()) sum += entry.count;
  return sum;
}

std::uint64_t RequestCounts::extension(std::string_view spelling) const {
  for (const ExtensionMethodCount& entry : extension_methods()) {
    if (entry.spelling() == spelling) return entry.count;
  }
  return 0;
}

std::uint64_t RequestCounts::total() const {
  std::uint64_t sum = (*this)[Method::other];
  for (const std::uint64_t n : standard) sum += n;
  return sum;
}

std::uint64_t count_of(const StatusCounts& counts, std::uint16_t code) {
  const auto it = std::lower_bound(counts.begin(), counts.end(), code,
                                   [](const StatusCount& entry, std::uint16_t c) { return entry.code < c; });
  return it != counts.end() && it->code == code ? it->count : 0;
}

std::uint64_t ResponseCounts::count(std::uint16_t code) const {
  std::uint64_t sum = 0;
  for (const StatusCounts& counts : by_method) sum += count_of(counts, code);
  return sum;
}

StatusCounts ResponseCounts::by_code() const {
  std::map<std::uint16_t, std::uint64_t> sums;
  for (const StatusCounts& counts : by_method) {
    for (const StatusCount& entry : counts) sums[entry.code] += entry.count;
  }
  StatusCounts result;
  result.reserve(sums.size());
  for (const auto& [code, count] : sums) result.push_back({code, count});
  return result;
}

std::uint64_t ResponseCounts::total() const {
  std::uint64_t sum = 0;
  for (const StatusCounts& counts : by_method) {
    for (const StatusCount& entry : counts) sum += entry.count;
  }
  return sum;
}

}  // namespace sipmon
