#pragma once
// Wire counts: requests by method, responses by status code and by the method in their CSeq.
// Fixed-size tables, filled once;
// extension methods are kept by their own spelling up to a bound so a flood of junk tokens
// cannot grow memory.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "analysis/sip_method.h"

namespace sipmon {

class MessageCounters {
 public:
  // How many distinct extension-method spellings are kept; later ones go to kOverflowMethod.
  static constexpr std::size_t kMaxExtensionMethods = 64;
  static constexpr std::size_t kMaxMethodLength = 32;
  static constexpr std::string_view kOverflowMethod = "(other)";

  void count_request(Method method, std::string_view token);
  // cseq_method: the method the response answers (Method::other when the CSeq is missing or
  // names an extension method).
  void count_response(std::uint16_t status_code, Method cseq_method = Method::other);

  std::map<std::string, std::uint64_t> requests() const;
  std::map<std::string, std::uint64_t> responses() const;
  // CSeq method name (known methods, else "other") -> status code -> count.
  std::map<std::string, std::map<std::string, std::uint64_t>> responses_by_method() const;
  std::uint64_t request_total() const { return request_total_; }
  std::uint64_t response_total() const { return response_total_; }
  std::uint64_t extension_overflow() const { return overflow_; }

 private:
  struct ExtensionMethod {
    std::array<char, kMaxMethodLength> name{};
    std::uint8_t length = 0;
    std::uint64_t count = 0;
  };

  std::array<std::uint64_t, kKnownMethodCount> known_{};
  std::array<ExtensionMethod, kMaxExtensionMethods> extensions_{};
  std::size_t extension_count_ = 0;
  std::uint64_t overflow_ = 0;
  // [CSeq method][status code]: codes are three digits (100-999 on the wire); the last method
  // row is Method::other. 120 KB, indexed directly so counting never searches or allocates.
  std::array<std::array<std::uint64_t, 1000>, kKnownMethodCount + 1> codes_by_method_{};
  std::uint64_t request_total_ = 0;
  std::uint64_t response_total_ = 0;
};

}  // namespace sipmon
