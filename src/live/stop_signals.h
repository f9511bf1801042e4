#pragma once
// How sipmon learns that it should stop: SIGINT and SIGTERM, blocked in every thread and read from
// one signalfd. The one signal mechanism of the process: `live` waits on the descriptor in its
// event loop (LiveSession), `replay --listen` blocks on it (wait()).
//
// Open it before any thread starts: threads inherit the signal mask, and a thread that has the
// stop signals unblocked would take the default action (the end of the process) in place of the
// signalfd read. A shell starts background jobs with SIGINT ignored, and an ignored signal is
// discarded rather than queued, so open() restores their default action first (blocked, it
// cannot end the process).
//
// With `hangup`, SIGHUP is taken the same way, for `live --calls` (logrotate's postrotate asks for
// the records file to be reopened): take() returns it like a stop signal and the session tells
// the two apart. It stays blocked after release(), so a late rotation never ends the process.
#include <memory>
#include <optional>

#include <signal.h>

#include "analysis/error.h"

namespace sipmon {

class StopSignals {
 public:
  static Expected<std::unique_ptr<StopSignals>> open(bool hangup = false);
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  // Takes what is still pending, then restores the calling thread's mask and the actions as they
  // were (tests open and close it many times in one process).
  ~StopSignals();

  // Readable when a stop signal is pending; for epoll.
  int fd() const { return fd_; }
  // The number of a pending signal (SIGINT, SIGTERM, or SIGHUP when taken), taken (so it is not delivered again once
  // released), or nullopt when none is pending. Never blocks.
  std::optional<int> take();
  // Blocks until a signal arrives, and returns its number.
  int wait();
  // From now on a stop signal takes its default action in this thread: a second SIGTERM/SIGINT
  // ends the process at once (live, while the last push waits on the network).
  void release();

 private:
  StopSignals() = default;

  int fd_ = -1;
  sigset_t signals_{};       // what the signalfd takes
  sigset_t stop_signals_{};  // SIGINT and SIGTERM: what release() unblocks
  sigset_t previous_mask_{};
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

}  // namespace sipmon
