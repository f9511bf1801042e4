#include "analysis/failure_analysis.h"

#include <algorithm>

#include "analysis/sip_fields.h"
#include "analysis/ua_family.h"

namespace sipmon {
namespace {

constexpr std::string_view kOther = "(other)";

std::string address_text(const IpAddress& address) {
  // Plain dotted or colon-hex text without a libc call (the analysis library stays libc-light).
  std::string text;
  if (address.family == 4) {
    for (int i = 0; i < 4; ++i) text += (i ? "." : "") + std::to_string(address.bytes[static_cast<std::size_t>(i)]);
    return text;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < 16; i += 2) {
    if (i) text += ':';
    const unsigned group = (address.bytes[i] << 8u) | address.bytes[i + 1];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned digit = (group >> static_cast<unsigned>(shift)) & 15u;
      if (digit || started || shift == 0) {
        text += kHex[digit];
        started = true;
      }
    }
  }
  return text;
}

bool is_failure(CallOutcome outcome) {
  return outcome == CallOutcome::failed || outcome == CallOutcome::ineffective || outcome == CallOutcome::timeout;
}

}  // namespace

void FailureAnalysis::count_name(std::map<std::string, std::uint64_t, std::less<>>& counts, std::string_view name) {
  if (name.empty()) name = "(none)";
  auto it = counts.find(name);  // no string built for a name already counted
  if (it != counts.end()) {
    ++it->second;
  } else if (counts.size() < kMaxNames) {
    counts.emplace(std::string(name), 1);
  } else {
    ++counts[std::string(kOther)];
  }
}

void FailureAnalysis::on_call_record(const CallRecord& record) {
  if (by_family_.empty()) by_family_.assign(ua_family_count(), 0);
  ++by_family_[ua_family_of(record.string(CallString::user_agent))];
  if (record.final_code >= 300 && record.final_code < codes_.size()) {
    ++codes_[record.final_code];
    std::string& phrase = phrases_[record.final_code];
    if (phrase.empty()) phrase = std::string(record.string(CallString::final_reason));
  }
  const bool q850 = record.reason_protocol == 1 && record.reason_cause >= 0 && record.reason_cause < 128;
  if (q850) ++q850_[static_cast<std::size_t>(record.reason_cause)];
  if (is_failure(record.outcome)) {
    ++failed_;
    count_name(destinations_, parse_uri(record.string(CallString::request_uri)).host);
    count_name(sources_, record.has_endpoints ? address_text(record.src.address) : std::string());
    const std::uint16_t code = record.outcome == CallOutcome::timeout ? kTimeoutCode : record.final_code;
    ++failures_[{code, q850 ? record.reason_cause : kNoCause}];
  }
  if (next_ != nullptr) next_->on_call_record(record);
}

std::vector<FailureAnalysis::Code> FailureAnalysis::final_codes() const {
  std::vector<Code> codes;
  for (std::uint16_t code = 300; code < codes_.size(); ++code) {
    if (codes_[code] != 0) codes.push_back(Code{code, codes_[code], phrases_[code]});
  }
  std::stable_sort(codes.begin(), codes.end(), [](const Code& a, const Code& b) { return a.count > b.count; });
  return codes;
}

std::vector<std::pair<int, std::uint64_t>> FailureAnalysis::q850_causes() const {
  std::vector<std::pair<int, std::uint64_t>> causes;
  for (std::size_t cause = 0; cause < q850_.size(); ++cause) {
    if (q850_[cause] != 0) causes.emplace_back(static_cast<int>(cause), q850_[cause]);
  }
  std::stable_sort(causes.begin(), causes.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return causes;
}

std::vector<FailureAnalysis::Named> FailureAnalysis::top(
    const std::map<std::string, std::uint64_t, std::less<>>& counts, std::size_t n) {
  std::vector<Named> all;
  all.reserve(counts.size());
  for (const auto& [name, count] : counts) all.push_back(Named{name, count});
  std::stable_sort(all.begin(), all.end(), [](const Named& a, const Named& b) { return a.count > b.count; });
  if (all.size() > n) all.resize(n);
  return all;
}

}  // namespace sipmon
