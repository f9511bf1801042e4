#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/calls_options.h"
#include "cli/engine_options.h"
#include "cli/hep_options.h"
#include "cli/metrics_options.h"
#include "sources/live_source.h"

namespace sipmon {

struct LiveOptions {
  std::vector<std::string> interfaces;
  std::vector<std::uint16_t> ports{5060, 5061};
  std::uint32_t snaplen = kLiveDefaultSnaplen;
  std::uint64_t ringbuf_size = kLiveDefaultBufferBytes;
  std::string source = "auto";
  bool promiscuous = false;        // --promiscuous: mirror ports deliver frames addressed to other MACs
  bool rtp_in_user_space = false;  // --rtp-in-user-space: RTP copied and measured by the engine (issue 22)
  std::string out;
  double report_interval_s = 0;   // 0: only at exit
  double duration_s = 0;          // 0: until SIGINT/SIGTERM
  double status_interval_s = 60;  // one status line on stderr (terminal or journald); 0: none
  bool json = false;
  unsigned threads = 1;       // --threads: N > 1 counts calls on N - 1 more threads (docs/live.md)
  std::string user;           // --user: the account the steady state runs as (started as root)
  EngineTableOptions tables;  // --max-dialogs, ... (engine_options.h)
  MetricsOptions metrics;     // --listen, --push, ... (docs/prometheus.md)
  HepOptions hep;             // --hep-listen, --hep-out, ... (docs/hep.md)
  CallsOptions calls;         // --calls (appended, reopened on SIGHUP), ... (docs/calls.md)
};

CLI::App* add_live_command(CLI::App& app, LiveOptions& options);
int run_live(const LiveOptions& options);

}  // namespace sipmon
