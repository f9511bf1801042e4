#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/metrics_options.h"

namespace sipmon {

struct ReplayOptions {
  std::vector<std::string> files;
  bool json = false;
  std::string out;
  std::vector<std::uint16_t> ports;
  MetricsOptions metrics;  // --listen, --push, --prom-file, --compat
};

CLI::App* add_replay_command(CLI::App& app, ReplayOptions& options);
int run_replay(const ReplayOptions& options);

}  // namespace sipmon
