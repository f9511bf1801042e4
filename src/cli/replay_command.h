#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sipmon {

struct ReplayOptions {
  std::vector<std::string> files;
  bool json = false;
  std::string out;
  std::vector<std::uint16_t> ports;
};

CLI::App* add_replay_command(CLI::App& app, ReplayOptions& options);
int run_replay(const ReplayOptions& options);

}  // namespace sipmon
