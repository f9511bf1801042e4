#pragma once
// What sipmon tells a person watching a long run, on stderr: the progress line of a replay and
// the periodic status line of `live`. CLI concerns only: the engine never reads the clock for
// them, and nothing is printed where no one watches (a pipe, a file, a CI log).
#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "analysis/frame.h"
#include "sources/pcap_file_source.h"

namespace sipmon {

// True when stderr is a terminal.
bool stderr_is_terminal();
// True when stderr is a terminal or systemd's journal (JOURNAL_STREAM names stderr's device and
// inode: systemd sets it for a service whose stderr goes to the journal).
bool stderr_is_watched();

// "12.5 MB of 40.0 MB (31%), 180000 packets/s, ETA 0:09", or without a known total (stdin)
// "12.5 MB, 180000 packets/s", then the reader in brackets when the position names it
// (" [blocks]"). `elapsed_s` > 0.
std::string format_replay_progress(const ReadProgress& position, std::uint64_t frames, double elapsed_s);

// Forwards every frame to `inner` and, once the replay has taken more than a second, redraws a
// progress line every half second. The clock is looked at every few thousand frames only.
class ReplayProgress final : public FrameSink {
 public:
  using Clock = std::chrono::steady_clock;
  ReplayProgress(FrameSink& inner, std::function<ReadProgress()> position, std::ostream& out,
                 std::function<Clock::time_point()> now = Clock::now);

  void on_frame(const Frame& frame) override;
  // Erases the line, if one was drawn, so that what follows starts on a clean line.
  void finish();

 private:
  FrameSink& inner_;
  std::function<ReadProgress()> position_;
  std::ostream& out_;
  std::function<Clock::time_point()> now_;
  Clock::time_point start_;
  Clock::time_point next_draw_;
  std::uint64_t frames_ = 0;
  bool drawn_ = false;
};

}  // namespace sipmon
