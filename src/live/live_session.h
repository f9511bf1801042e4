#pragma once
// The live event loop: waits on the capture source, the HEP listener, the interface watch, the
// stop signals and its timers (one epoll descriptor), feeds the engine, gives it the wall clock
// (Engine::tick), and tells a LivePublisher when figures are due. It ends on SIGINT/SIGTERM, at
// --duration, or when the source ends or fails, and then drains what is buffered so that the
// final report covers every packet captured up to the stop.
//
// It owns no source and starts nothing: the command line opens the parts (with privileges), hands
// them over, and maps the outcome to an exit code. Tests drive it with a fake LiveSource.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "analysis/engine.h"
#include "analysis/error.h"
#include "analysis/hep_ingest.h"
#include "analysis/report.h"
#include "live/live_analysis.h"
#include "live/stop_signals.h"
#include "outputs/hep_sender.h"
#include "sources/hep_listener.h"
#include "sources/interface_tracker.h"
#include "sources/interface_watch.h"
#include "sources/live_source.h"

namespace sipmon {

// What the session tells the outputs. Every call gets a fresh report (the engine's figures with the
// capture's counters); none may block for long: the capture waits meanwhile.
class LivePublisher {
 public:
  virtual ~LivePublisher() = default;
  // Every metrics refresh (each second), and once before the loop so that every family is
  // present from the first scrape.
  virtual void refresh(const Report& report) = 0;
  // Every --report-interval.
  virtual void rewrite_report(const Report& report) = 0;
  // Every --status-interval.
  virtual void status(const Report& report) = 0;
  // At the end, after the final drain, while the stop signals are still blocked: what is local
  // (metrics, report file, stdout). False when something could not be delivered.
  virtual bool deliver_final(const Report& report) = 0;
  // Then, after the engine wrote the call records still open (Engine::finish), once a second
  // stop signal would end the process at once: the network (the last push, bounded by its
  // timeout). False when it failed.
  virtual bool deliver_final_remote() = 0;
  // SIGHUP, when the StopSignals take it (live --calls): reopen the files written as capture
  // goes, after logrotate moved them away.
  virtual void reopen() {}
};

// Everything but the engine that the loop waits on or reports about. Null parts are not in use
// (a HEP-only run has no capture source; a capture-only run has no HEP parts).
struct LiveParts {
  LiveSource* capture = nullptr;
  std::vector<std::string> interfaces;  // the capture's, for the report
  InterfaceWatch* links = nullptr;      // interfaces deleted and re-created (with capture)
  InterfaceTracker* tracker = nullptr;  // what follows them (with links)
  HepListener* hep_listener = nullptr;  // with hep_ingest
  HepIngest* hep_ingest = nullptr;
  HepSender* hep_sender = nullptr;  // --hep-out: flushed before the final report
  double hep_flush_seconds = 5;     // how long the final flush may take
};

struct LiveSessionConfig {
  // How often the engine is ticked and the publisher refreshed while capturing: scrapes and
  // pushes read the registry in between, so this bounds how stale a scraped figure can be.
  std::chrono::duration<double> refresh_interval{1.0};
  std::chrono::duration<double> report_interval{0};  // 0: never (only at the end)
  std::chrono::duration<double> status_interval{0};  // 0: never
  std::chrono::duration<double> duration{0};         // 0: until a stop signal
  // Nanoseconds since the Unix epoch, handed to Engine::tick. Tests set their own.
  std::function<std::int64_t()> wall_clock = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
};

struct LiveOutcome {
  enum class Reason { stop_signal, duration, source_ended, source_failed, loop_failed };
  Reason reason = Reason::stop_signal;
  int signal = 0;         // with stop_signal: SIGINT or SIGTERM
  std::string message;    // with source_failed and loop_failed: what went wrong
  bool delivered = true;  // deliver_final and deliver_final_remote both succeeded
};

class LiveSession {
 public:
  LiveSession(LiveSessionConfig config, LiveParts parts, LiveAnalysis& analysis, StopSignals& stop,
              LivePublisher& publisher, std::ostream& log);
  // One engine (what tests and a run with --threads 1 use).
  LiveSession(LiveSessionConfig config, LiveParts parts, Engine& engine, StopSignals& stop, LivePublisher& publisher,
              std::ostream& log);
  ~LiveSession();
  LiveSession(const LiveSession&) = delete;
  LiveSession& operator=(const LiveSession&) = delete;

  // Creates the epoll descriptor and the timers and registers every part: all of it before the
  // steady-state seccomp filter goes in (no epoll_create or timerfd_create on its allow-list).
  // Also ticks the engine and gives the publisher its first refresh.
  Expected<void> open();
  // Runs until the stop, then drains, ticks, and delivers the final report (the stop signals are
  // released before the remote delivery).
  LiveOutcome run();

  // The engine's report with the capture's and HEP's counters.
  Report snapshot() const;

 private:
  struct Loop;
  void tick();
  void final_drain();

  LiveSessionConfig config_;
  LiveParts parts_;
  std::unique_ptr<LiveAnalysis> own_analysis_;  // with the one-engine constructor
  LiveAnalysis& analysis_;
  StopSignals& stop_;
  LivePublisher& publisher_;
  std::ostream& log_;
  std::unique_ptr<Loop> loop_;
};

}  // namespace sipmon
