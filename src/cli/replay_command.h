#pragma once
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/replay_pipeline.h"

namespace sipmon {

struct ReplayOptions {
  ReplayInputOptions input;
  bool json = false;
  std::string out;
};

CLI::App* add_replay_command(CLI::App& app, ReplayOptions& options);
int run_replay(const ReplayOptions& options);

}  // namespace sipmon
