#include "live/live_session.h"

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <utility>

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace sipmon {
namespace {

// Owns a file descriptor made for the event loop.
struct Fd {
  Fd() = default;
  explicit Fd(int value) : fd(value) {}
  Fd(Fd&& other) noexcept : fd(std::exchange(other.fd, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd, other.fd);
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int fd = -1;
};

// A monotonic timer (not moved by a wall-clock step); -1 when it could not be made.
Fd make_timer(double seconds, bool periodic) {
  Fd timer(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (timer.fd < 0 || seconds <= 0) return timer;
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(seconds);
  spec.it_value.tv_nsec = static_cast<long>(std::fmod(seconds, 1.0) * 1e9);
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  if (periodic) spec.it_interval = spec.it_value;
  timerfd_settime(timer.fd, 0, &spec, nullptr);
  return timer;
}

// True when the timer expired since the last read (the read re-arms level-triggered epoll).
bool expired(const Fd& timer) {
  std::uint64_t expirations = 0;
  return ::read(timer.fd, &expirations, sizeof expirations) > 0;
}

// Counts what a drain hands on, so that the final drain knows when the source is empty.
class CountingSink final : public FrameSink {
 public:
  explicit CountingSink(FrameSink& next) : next_(next) {}
  void on_frame(const Frame& frame) override {
    ++frames;
    next_.on_frame(frame);
  }
  std::size_t frames = 0;

 private:
  FrameSink& next_;
};

// The final drain repeats while a pass still hands on frames, at most this many passes.
constexpr int kFinalDrainPasses = 4;

enum Tag : std::uint32_t {
  kSource,
  kSignal,
  kRefreshTimer,
  kReportTimer,
  kStatusTimer,
  kDurationTimer,
  kHep,
  kLinks,
  kMediaTimer
};

// How often the RTP streams the kernel filter measures are read (issue 22): the live figures lag
// the packets by at most this.
constexpr double kMeasuredRtpIntervalS = 1.0;

}  // namespace

struct LiveSession::Loop {
  Fd epoll;
  Fd refresh_timer;
  Fd report_timer;
  Fd status_timer;
  Fd duration_timer;
  Fd media_timer;
};

LiveSession::LiveSession(LiveSessionConfig config, LiveParts parts, LiveAnalysis& analysis, StopSignals& stop,
                         LivePublisher& publisher, std::ostream& log)
    : config_(std::move(config)),
      parts_(std::move(parts)),
      analysis_(analysis),
      stop_(stop),
      publisher_(publisher),
      log_(log) {}

LiveSession::LiveSession(LiveSessionConfig config, LiveParts parts, Engine& engine, StopSignals& stop,
                         LivePublisher& publisher, std::ostream& log)
    : config_(std::move(config)),
      parts_(std::move(parts)),
      own_analysis_(std::make_unique<SingleEngineAnalysis>(engine)),
      analysis_(*own_analysis_),
      stop_(stop),
      publisher_(publisher),
      log_(log) {}

LiveSession::~LiveSession() = default;

void LiveSession::tick() { analysis_.tick(config_.wall_clock()); }

Report LiveSession::snapshot() const {
  Report report = analysis_.report();
  if (parts_.capture) {
    const LiveCounters counters = parts_.capture->counters();
    report.capture.live = LiveCaptureReport{.source = parts_.capture->name(),
                                            .interfaces = parts_.interfaces,
                                            .kernel = counters.kernel,
                                            .drops = counters.drops};
  }
  if (parts_.hep_ingest) {
    report.capture.hep_in = parts_.hep_ingest->report();
    if (parts_.hep_listener) report.capture.hep_in->socket_drops = parts_.hep_listener->socket_drops();
  }
  if (parts_.hep_sender) report.capture.hep_out = parts_.hep_sender->report();
  return report;
}

Expected<void> LiveSession::open() {
  auto loop = std::make_unique<Loop>();
  loop->epoll = Fd(epoll_create1(EPOLL_CLOEXEC));
  loop->refresh_timer = make_timer(config_.refresh_interval.count(), true);
  const auto watch = [&loop](int fd, std::uint32_t tag) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u32 = tag;
    return fd >= 0 && epoll_ctl(loop->epoll.fd, EPOLL_CTL_ADD, fd, &event) == 0;
  };
  bool watching = loop->epoll.fd >= 0 && watch(stop_.fd(), kSignal) && watch(loop->refresh_timer.fd, kRefreshTimer);
  if (parts_.capture) {
    for (int fd : parts_.capture->poll_fds()) watching = watching && watch(fd, kSource);
  }
  if (parts_.hep_listener && parts_.hep_ingest) watching = watching && watch(parts_.hep_listener->poll_fd(), kHep);
  if (parts_.capture && parts_.links && parts_.tracker) watching = watching && watch(parts_.links->fd(), kLinks);
  if (config_.report_interval.count() > 0) {
    loop->report_timer = make_timer(config_.report_interval.count(), true);
    watching = watching && watch(loop->report_timer.fd, kReportTimer);
  }
  if (config_.status_interval.count() > 0) {
    loop->status_timer = make_timer(config_.status_interval.count(), true);
    watching = watching && watch(loop->status_timer.fd, kStatusTimer);
  }
  if (parts_.capture && parts_.capture->measures_rtp()) {
    loop->media_timer = make_timer(kMeasuredRtpIntervalS, true);
    watching = watching && watch(loop->media_timer.fd, kMediaTimer);
  }
  if (config_.duration.count() > 0) {
    loop->duration_timer = make_timer(config_.duration.count(), false);
    watching = watching && watch(loop->duration_timer.fd, kDurationTimer);
  }
  if (!watching) {
    const std::string why = std::strerror(errno);
    return make_error(ErrorKind::io, "cannot set up the event loop: " + why);
  }
  loop_ = std::move(loop);
  tick();
  publisher_.refresh(snapshot());  // every family present from the first scrape
  return {};
}

LiveOutcome LiveSession::run() {
  LiveOutcome outcome;
  if (!loop_) {
    if (auto opened = open(); !opened) {
      return LiveOutcome{.reason = LiveOutcome::Reason::loop_failed, .message = opened.error().message};
    }
  }
  Loop& loop = *loop_;
  bool running = true;
  while (running) {
    epoll_event events[8];
    const int ready = epoll_wait(loop.epoll.fd, events, 8, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      outcome = LiveOutcome{.reason = LiveOutcome::Reason::loop_failed,
                            .message = std::string("epoll_wait: ") + std::strerror(errno)};
      break;
    }
    // One clock read per wake-up: every frame of the batch, and every report it leads to, is
    // judged at this time (the engine reads no clock itself).
    tick();
    for (int i = 0; i < ready; ++i) {
      switch (events[i].data.u32) {
        case kSource:
          parts_.capture->drain(analysis_.frames());
          if (const auto state = parts_.capture->state(); state != LiveSource::State::running && running) {
            running = false;
            outcome.reason = state == LiveSource::State::ended ? LiveOutcome::Reason::source_ended
                                                               : LiveOutcome::Reason::source_failed;
            outcome.message = parts_.capture->failure();
          }
          break;
        case kHep:
          parts_.hep_listener->drain(*parts_.hep_ingest);
          break;
        case kRefreshTimer:
          // The tick above already ran the expiry: a silent network still times out attempts.
          if (expired(loop.refresh_timer)) publisher_.refresh(snapshot());
          break;
        case kReportTimer:
          if (expired(loop.report_timer)) publisher_.rewrite_report(snapshot());
          break;
        case kMediaTimer:
          // The ring buffer first: a stream's first packet (which creates it in the tracker)
          // is handed on before its kernel figures are.
          if (expired(loop.media_timer)) {
            parts_.capture->drain(analysis_.frames());
            parts_.capture->collect_rtp_streams(analysis_.media());
          }
          break;
        case kStatusTimer:
          if (expired(loop.status_timer)) publisher_.status(snapshot());
          break;
        case kLinks:
          parts_.tracker->follow(*parts_.links, *parts_.capture, log_);
          break;
        case kSignal:
          // Taken, so that it is not delivered again once the stop signals are released below.
          if (auto signal = stop_.take(); signal == SIGHUP) {
            publisher_.reopen();
          } else if (signal && running) {
            running = false;
            outcome.reason = LiveOutcome::Reason::stop_signal;
            outcome.signal = *signal;
          }
          break;
        case kDurationTimer:
          if (running) {
            running = false;
            outcome.reason = LiveOutcome::Reason::duration;
          }
          break;
      }
    }
  }
  if (outcome.reason == LiveOutcome::Reason::source_failed)
    log_ << "sipmon: capture failed: " << outcome.message << "\n";

  final_drain();
  tick();
  const Report report = snapshot();
  outcome.delivered = publisher_.deliver_final(report);
  // The call records still open are written (pending, or established with "ended": null) after
  // the report was taken, so that the report is the same with or without --calls.
  analysis_.finish();
  // Everything local is delivered: a second SIGTERM/SIGINT now ends sipmon at once (default
  // action) instead of waiting for the network.
  stop_.release();
  outcome.delivered = publisher_.deliver_final_remote() && outcome.delivered;
  return outcome;
}

// The report covers every packet captured up to the stop: stop taking new ones, then empty what
// the kernel and the sockets already hold.
void LiveSession::final_drain() {
  if (parts_.capture) {
    parts_.capture->stop();
    // Repeated while a pass hands on frames: a pass of the eBPF ring buffer ends early at a record
    // that a BPF program on another CPU was still writing when the sockets closed
    // (ring_buffer__consume stops at a reserved, uncommitted record), and the records behind it
    // would be lost to the report. A pass that finds nothing ends it; the bound keeps a source
    // that never runs dry (a fake, a flood through a socket that stop() could not close) from
    // holding the stop up. libpcap's drain already loops until its buffer is empty.
    for (int pass = 0; pass < kFinalDrainPasses; ++pass) {
      CountingSink counted(analysis_.frames());
      parts_.capture->drain(counted);
      if (counted.frames == 0) break;
    }
    parts_.capture->collect_rtp_streams(analysis_.media());  // the figures up to the stop
  }
  if (parts_.hep_listener && parts_.hep_ingest) {
    parts_.hep_listener->drain(*parts_.hep_ingest);  // what the sockets already hold (up to the per-drain limit)
    parts_.hep_listener->stop();
  }
  // What --hep-out still queues goes out before the report counts it (bounded by the flush time).
  if (parts_.hep_sender) parts_.hep_sender->finish(parts_.hep_flush_seconds);
}

}  // namespace sipmon
