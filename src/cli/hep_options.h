#pragma once
// HEP on the command line (docs/hep.md):
//   live:          --hep-listen ADDR  --hep-key KEY  --hep-max-skew TIME
//   live, replay:  --hep-out HOST:PORT  --hep-transport udp|tcp  --hep-id N  --hep-key KEY
// and the pieces they start: the listener (src/sources) and the sender (src/outputs).
#include <cstdint>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "analysis/error.h"
#include "analysis/hep_ingest.h"
#include "outputs/hep_sender.h"
#include "sources/hep_listener.h"

namespace sipmon {

struct HepOptions {
  std::string listen;             // --hep-listen; empty: no listener
  std::string key;                // --hep-key: required of received packets, put in sent ones
  double max_skew_s = 5;          // --hep-max-skew
  std::string out;                // --hep-out; empty: no sender
  std::string transport = "udp";  // --hep-transport
  std::uint32_t capture_id = 0;   // --hep-id
};

enum class HepCommand { replay, live };

void add_hep_options(CLI::App& command, HepOptions& options, HepCommand kind);

HepIngestConfig hep_ingest_config(const HepOptions& options);

// Binds --hep-listen (UDP and TCP). Errors name the option and the address.
Expected<std::unique_ptr<HepListener>> open_hep_listener(const HepOptions& options);

// Starts the --hep-out sender, or returns null without --hep-out. `replay` waits for room in
// the queue rather than dropping (docs/hep.md, "HEP out").
Expected<std::unique_ptr<HepSender>> start_hep_sender(const HepOptions& options, HepCommand kind);

// How long the last messages may take to leave at exit: live stops promptly; a replay has
// usually queued far more (a whole archive) and nobody waits on it interactively.
inline constexpr double kHepFlushSeconds = 5;
inline constexpr double kHepReplayFlushSeconds = 30;

}  // namespace sipmon
