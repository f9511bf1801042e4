#include "analysis/message_counters.h"

#include <algorithm>

namespace sipmon {

void MessageCounters::count_request(Method method, std::string_view token) {
  ++request_total_;
  if (method != Method::other) {
    ++known_[static_cast<std::size_t>(method)];
    return;
  }
  if (token.size() <= kMaxMethodLength) {
    for (std::size_t i = 0; i < extension_count_; ++i) {
      ExtensionMethod& entry = extensions_[i];
      if (std::string_view(entry.name.data(), entry.length) == token) {
        ++entry.count;
        return;
      }
    }
    if (extension_count_ < extensions_.size()) {
      ExtensionMethod& entry = extensions_[extension_count_++];
      std::copy(token.begin(), token.end(), entry.name.begin());
      entry.length = static_cast<std::uint8_t>(token.size());
      entry.count = 1;
      return;
    }
  }
  ++overflow_;
}

void MessageCounters::count_response(std::uint16_t status_code, Method cseq_method) {
  ++response_total_;
  const auto row = std::min(static_cast<std::size_t>(cseq_method), kKnownMethodCount);
  if (status_code < codes_by_method_[row].size()) ++codes_by_method_[row][status_code];
}

std::map<std::string, std::uint64_t> MessageCounters::requests() const {
  std::map<std::string, std::uint64_t> result;
  for (std::size_t i = 0; i < known_.size(); ++i) {
    if (known_[i] != 0) result.emplace(method_name(static_cast<Method>(i)), known_[i]);
  }
  for (std::size_t i = 0; i < extension_count_; ++i) {
    result.emplace(std::string(extensions_[i].name.data(), extensions_[i].length), extensions_[i].count);
  }
  if (overflow_ != 0) result.emplace(kOverflowMethod, overflow_);
  return result;
}

std::map<std::string, std::uint64_t> MessageCounters::responses() const {
  std::map<std::string, std::uint64_t> result;
  for (std::size_t code = 0; code < codes_by_method_[0].size(); ++code) {
    std::uint64_t count = 0;
    for (const auto& row : codes_by_method_) count += row[code];
    if (count != 0) result.emplace(std::to_string(code), count);
  }
  return result;
}

std::map<std::string, std::map<std::string, std::uint64_t>> MessageCounters::responses_by_method() const {
  std::map<std::string, std::map<std::string, std::uint64_t>> result;
  for (std::size_t method = 0; method < codes_by_method_.size(); ++method) {
    const auto& row = codes_by_method_[method];
    for (std::size_t code = 0; code < row.size(); ++code) {
      if (row[code] != 0)
        result[std::string(method_name(static_cast<Method>(method)))].emplace(std::to_string(code), row[code]);
    }
  }
  return result;
}

}  // namespace sipmon
