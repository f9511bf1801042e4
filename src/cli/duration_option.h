#pragma once
// Durations on the command line ("60s", "5m", "1h", "250ms"; a bare number is seconds), shared by
// live's intervals and replay's --interval.
#include <map>
#include <string>

#include <CLI/CLI.hpp>

namespace sipmon {

inline const std::map<std::string, double> kTimeUnits{{"s", 1}, {"m", 60}, {"h", 3600}, {"ms", 0.001}};

inline CLI::Validator duration_transform() {
  return CLI::AsNumberWithUnit(kTimeUnits, CLI::AsNumberWithUnit::CASE_SENSITIVE);
}

}  // namespace sipmon
