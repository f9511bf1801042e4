#pragma once
// Wire counts: requests by method, responses by status code and by the method in their CSeq.
// Fixed-size tables, filled once; extension methods are kept by their own spelling up to a bound
// so a flood of junk tokens cannot grow memory (RequestCounts).
#include <array>
#include <cstdint>
#include <string_view>

#include "analysis/sip_counts.h"
#include "analysis/sip_method.h"

namespace sipmon {

class MessageCounters {
 public:
  void count_request(Method method, std::string_view token) { requests_.count(method, token); }
  // cseq_method: the method the response answers (Method::other when the CSeq is missing or
  // names an extension method).
  void count_response(std::uint16_t status_code, Method cseq_method = Method::other);

  const RequestCounts& requests() const { return requests_; }
  // The non-zero counts, by CSeq method (allocates; for the report, not the packet path).
  ResponseCounts responses() const;

 private:
  RequestCounts requests_;
  // [CSeq method][status code]: codes are three digits (100-999 on the wire); the last method
  // row is Method::other. 120 KB, indexed directly so counting never searches or allocates.
  std::array<std::array<std::uint64_t, 1000>, kKnownMethodCount + 1> codes_by_method_{};
};

}  // namespace sipmon
