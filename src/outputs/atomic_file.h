#pragma once
// Writes a whole file or nothing: readers (a textfile collector, a CI job) never see half a report.
#include <string>
#include <string_view>

#include "analysis/error.h"

namespace sipmon {

Expected<void> write_file_atomically(const std::string& path, std::string_view content);

}  // namespace sipmon
