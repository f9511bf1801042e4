#pragma once
// Wire counts of SIP messages as typed data, the shape the report carries them in: requests by
// method (the standard methods by enum, extension methods by their own spelling in a bounded
// table), responses by the method in their CSeq and by status code. Only the outputs that render
// them give them names (outputs/report_names.h, the Prometheus labels).
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "analysis/sip_method.h"

namespace sipmon {

// One extension method's spelling, held in place (no allocation per message), and its count.
struct ExtensionMethodCount {
  static constexpr std::size_t kMaxLength = 32;
  std::array<char, kMaxLength> storage{};
  std::uint8_t length = 0;
  std::uint64_t count = 0;

  std::string_view spelling() const { return {storage.data(), length}; }
};

// Requests by method. Methods are case-sensitive (RFC 3261 §7.1): "REGIStER" is an extension.
struct RequestCounts {
  // Distinct extension spellings kept; later ones, and spellings longer than
  // ExtensionMethodCount::kMaxLength, go to `overflow`: a flood of junk tokens cannot grow memory.
  static constexpr std::size_t kMaxExtensionMethods = 64;

  std::array<std::uint64_t, kKnownMethodCount> standard{};  // by Method, Method::other excluded
  std::array<ExtensionMethodCount, kMaxExtensionMethods> extensions{};
  std::size_t extension_count = 0;  // used entries of `extensions`, in order of first sight
  std::uint64_t overflow = 0;

  // Counts one request: a standard method by index, anything else by its spelling. No allocation.
  void count(Method method, std::string_view token);

  // A standard method's count; Method::other: every extension method, overflow included.
  std::uint64_t operator[](Method method) const;
  std::span<const ExtensionMethodCount> extension_methods() const { return {extensions.data(), extension_count}; }
  // The count of one extension spelling kept in the table (0 if it is not there).
  std::uint64_t extension(std::string_view spelling) const;
  std::uint64_t total() const;
};

// A status code and its count. Codes are three digits, 100-999 (sip_parser.cpp takes no other).
struct StatusCount {
  std::uint16_t code = 0;
  std::uint64_t count = 0;
  bool operator==(const StatusCount&) const = default;
};
// Ascending codes, no zero counts. Sparse rather than a 1000-slot array per method: a snapshot
// is copied once a second live and often held on a thread's stack, and carries a dozen codes.
using StatusCounts = std::vector<StatusCount>;

std::uint64_t count_of(const StatusCounts& counts, std::uint16_t code);

// Responses by the method in their CSeq (Method::other: an extension method or no usable CSeq).
struct ResponseCounts {
  std::array<StatusCounts, kKnownMethodCount + 1> by_method;

  StatusCounts& operator[](Method method) { return by_method[static_cast<std::size_t>(method)]; }
  const StatusCounts& operator[](Method method) const { return by_method[static_cast<std::size_t>(method)]; }
  // Over every CSeq method.
  std::uint64_t count(std::uint16_t code) const;
  StatusCounts by_code() const;
  std::uint64_t total() const;
};

}  // namespace sipmon
