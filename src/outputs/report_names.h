#pragma once
// Names for the report's typed counts, given by the outputs that print them (the JSON report and
// the text summary): the report itself carries enums and numbers (analysis/report.h). Maps keyed
// by name, so that every rendering lists them in the same (byte) order. Prometheus labels are
// bounded differently (prometheus_metrics.h) and do not come from here.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "analysis/report.h"

namespace sipmon {

// The JSON key of the extension methods past RequestCounts' table.
inline constexpr std::string_view kOverflowMethodName = "(other)";

using CountsByName = std::map<std::string, std::uint64_t>;

// "INVITE", ..., each extension method by its spelling, "(other)"; zero counts left out.
CountsByName requests_by_name(const RequestCounts& requests);
// A peer's requests: the standard methods and "other" for every extension method.
CountsByName peer_requests_by_name(const PeerCounts& peer);
// "200" -> count.
CountsByName status_counts_by_name(const StatusCounts& counts);
// Over every CSeq method.
CountsByName responses_by_code_name(const ResponseCounts& responses);
// CSeq method name ("other" for extension methods and a missing CSeq) -> code -> count; methods
// without a response left out.
std::map<std::string, CountsByName> responses_by_method_name(const ResponseCounts& responses);

// Frame outcomes of class non_sip or transport and every decoder event, by name.
CountsByName non_sip_by_reason(const CaptureReport& capture);
// Frame outcomes of class malformed and every message defect, by name.
CountsByName malformed_by_reason(const CaptureReport& capture);
// Listed tables by name, 0 included.
CountsByName table_evictions_by_name(const TableEvictions& evictions);
// Link type number ("147") -> packets.
CountsByName unsupported_link_by_type(const CaptureReport& capture);

}  // namespace sipmon
