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

void MessageCounters::count_response(std::uint16_t status_code) {
  ++response_total_;
  if (status_code < codes_.size()) ++codes_[status_code];
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
  for (std::size_t code = 0; code < codes_.size(); ++code) {
    if (codes_[code] != 0) result.emplace(std::to_string(code), codes_[code]);
  }
  return result;
}

}  // namespace sipmon
