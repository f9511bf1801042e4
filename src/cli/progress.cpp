#include "cli/progress.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <sys/stat.h>
#include <unistd.h>

namespace sipmon {
namespace {

constexpr std::uint64_t kFramesBetweenClockReads = 4096;
constexpr std::chrono::milliseconds kQuietStart{1000};  // a replay shorter than this prints nothing
constexpr std::chrono::milliseconds kRedrawEvery{500};

std::string megabytes(std::uint64_t bytes) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buffer;
}

}  // namespace

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

bool stderr_is_watched() {
  if (stderr_is_terminal()) return true;
  const char* journal = std::getenv("JOURNAL_STREAM");  // "DEVICE:INODE", both decimal
  if (journal == nullptr || *journal == '\0') return false;
  struct stat info {};
  if (::fstat(STDERR_FILENO, &info) != 0) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(journal, "%llu:%llu", &device, &inode) != 2) return false;
  return device == static_cast<unsigned long long>(info.st_dev) &&
         inode == static_cast<unsigned long long>(info.st_ino);
}

std::string format_replay_progress(const ReadProgress& position, std::uint64_t frames, double elapsed_s) {
  std::string text = megabytes(position.bytes_read);
  if (position.bytes_total && *position.bytes_total > 0) {
    const double fraction =
        std::min(1.0, static_cast<double>(position.bytes_read) / static_cast<double>(*position.bytes_total));
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, " of %s (%.0f%%)", megabytes(*position.bytes_total).c_str(), fraction * 100);
    text += buffer;
  }
  char rate[48];
  std::snprintf(rate, sizeof rate, ", %.0f packets/s", static_cast<double>(frames) / elapsed_s);
  text += rate;
  if (position.bytes_total && position.bytes_read > 0 && position.bytes_read <= *position.bytes_total) {
    const double bytes_per_s = static_cast<double>(position.bytes_read) / elapsed_s;
    const auto left = static_cast<std::uint64_t>(
        static_cast<double>(*position.bytes_total - position.bytes_read) / bytes_per_s + 0.5);
    char eta[48];
    std::snprintf(eta, sizeof eta, ", ETA %llu:%02llu", static_cast<unsigned long long>(left / 60),
                  static_cast<unsigned long long>(left % 60));
    text += eta;
  }
  // Which file reader reads the input (docs/performance.md): "blocks" or "libpcap".
  if (position.reader != nullptr && *position.reader != '\0') text += std::string(" [") + position.reader + "]";
  return text;
}

ReplayProgress::ReplayProgress(FrameSink& inner, std::function<ReadProgress()> position, std::ostream& out,
                               std::function<Clock::time_point()> now)
    : inner_(inner), position_(std::move(position)), out_(out), now_(std::move(now)) {
  start_ = now_();
  next_draw_ = start_ + kQuietStart;
}

void ReplayProgress::on_frame(const Frame& frame) {
  inner_.on_frame(frame);
  if (++frames_ % kFramesBetweenClockReads != 0) return;
  const Clock::time_point now = now_();
  if (now < next_draw_) return;
  next_draw_ = now + kRedrawEvery;
  const double elapsed_s = std::chrono::duration<double>(now - start_).count();
  // \r and "erase to the end of the line": one line redrawn in place.
  out_ << "\rsipmon: " << format_replay_progress(position_(), frames_, elapsed_s) << "\033[K" << std::flush;
  drawn_ = true;
}

void ReplayProgress::finish() {
  if (drawn_) out_ << "\r\033[K" << std::flush;
  drawn_ = false;
}

}  // namespace sipmon
