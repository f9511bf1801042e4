#pragma once
// The JSON report: the public contract documented in docs/report.md. Keys keep a fixed order and
// maps are sorted, so identical input gives byte-identical output.
#include <string>

#include <nlohmann/json.hpp>

#include "analysis/report.h"

namespace sipmon {

nlohmann::ordered_json report_to_json(const Report& report);
std::string render_json_report(const Report& report);  // pretty-printed, newline-terminated

}  // namespace sipmon
