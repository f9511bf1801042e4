#pragma once
// The JSON report: the public contract documented in docs/report.md. Keys keep a fixed order and
// maps are sorted, so identical input gives byte-identical output.
#include <string>

#include <nlohmann/json.hpp>

#include "analysis/report.h"

namespace sipmon {

nlohmann::ordered_json report_to_json(const Report& report);
std::string render_json_report(const Report& report);  // pretty-printed, newline-terminated
// The report's `rfc6076` object (also each series interval's, and `sipmon merge`'s).
nlohmann::ordered_json rfc6076_to_json(const Rfc6076Report& figures);
// Its delays in mergeable form: the `delay_sketches` object beside it (docs/report.md).
nlohmann::ordered_json delay_sketches_to_json(const Rfc6076Report& figures);

}  // namespace sipmon
