#include "analysis/message_counters.h"

#include <algorithm>

namespace sipmon {

void MessageCounters::count_response(std::uint16_t status_code, Method cseq_method) {
  const auto row = std::min(static_cast<std::size_t>(cseq_method), kKnownMethodCount);
  if (status_code < codes_by_method_[row].size()) ++codes_by_method_[row][status_code];
}

ResponseCounts MessageCounters::responses() const {
  ResponseCounts result;
  for (std::size_t method = 0; method < codes_by_method_.size(); ++method) {
    const auto& row = codes_by_method_[method];
    for (std::size_t code = 0; code < row.size(); ++code) {
      if (row[code] != 0) result.by_method[method].push_back({static_cast<std::uint16_t>(code), row[code]});
    }
  }
  return result;
}

}  // namespace sipmon
