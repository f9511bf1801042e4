#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <deque>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/engine.h"
#include "live/live_session.h"
#include "live/stop_signals.h"
#include "support/frame_builder.h"

using namespace sipmon;
using namespace sipmon::test;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kNow = 1'700'000'000 * kSecond;

std::string invite(int n) {
  return "INVITE sip:bob@example.test SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK" +
         std::to_string(n) +
         "\r\n"
         "From: <sip:alice@example.test>;tag=a\r\n"
         "To: <sip:bob@example.test>\r\n"
         "Call-ID: call-" +
         std::to_string(n) + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
}

// A capture source without a kernel: frames queued by the test, an eventfd that is readable while
// the test says they are "in the kernel" (`announce`), and a scripted end.
class FakeSource final : public LiveSource {
 public:
  FakeSource() : ready_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  ~FakeSource() override { ::close(ready_); }

  // Queues a SIP frame stamped `ts_ns`; with `announce`, the session's epoll sees it waiting.
  void queue(int n, std::int64_t ts_ns, bool announce = true) {
    frames_.push_back(sip_udp_frame(invite(n)));
    stamps_.push_back(ts_ns);
    if (announce) {
      const std::uint64_t one = 1;
      (void)!::write(ready_, &one, sizeof one);
    }
  }

  const char* name() const override { return "fake"; }
  std::vector<int> poll_fds() const override { return {ready_}; }
  void drain(FrameSink& sink) override {
    ++drains;
    std::size_t handed = 0;
    while (!frames_.empty() && handed < per_drain) {
      sink.on_frame(make_frame(frames_.front(), LinkType::ethernet, stamps_.front()));
      if (!endless) {
        frames_.pop_front();
        stamps_.pop_front();
      }
      ++handed;
      if (stopped) ++drained_after_stop;
    }
    if (frames_.empty()) {
      std::uint64_t count = 0;
      (void)!::read(ready_, &count, sizeof count);  // nothing waits any more
    }
    if (after_first_drain != State::running) state_ = after_first_drain;
  }
  void stop() override { stopped = true; }
  LiveCounters counters() const override { return LiveCounters{.kernel = {{"seen", 7}}, .drops = {{"truncated", 2}}}; }
  State state() const override { return state_; }
  std::string failure() const override { return state_ == State::failed ? "the device went away" : ""; }

  std::size_t per_drain = 1000;  // frames handed on per drain
  bool endless = false;          // never runs dry
  State after_first_drain = State::running;
  int drains = 0;
  bool stopped = false;
  int drained_after_stop = 0;

 private:
  int ready_;
  std::deque<std::vector<std::uint8_t>> frames_;
  std::deque<std::int64_t> stamps_;
  State state_ = State::running;
};

class RecordingPublisher final : public LivePublisher {
 public:
  void refresh(const Report&) override { ++refreshes; }
  void rewrite_report(const Report&) override { ++rewrites; }
  void status(const Report&) override { ++statuses; }
  bool deliver_final(const Report& report) override {
    ++finals;
    final_report = report;
    remote_before_local = remotes > 0;
    return local_ok;
  }
  bool deliver_final_remote() override {
    ++remotes;
    return true;
  }
  void reopen() override { ++reopens; }

  int refreshes = 0, rewrites = 0, statuses = 0, finals = 0, remotes = 0, reopens = 0;
  bool remote_before_local = false;
  bool local_ok = true;
  Report final_report;
};

struct Harness {
  explicit Harness(LiveSessionConfig session_config = {}, bool hangup = false) {
    auto opened = StopSignals::open(hangup);
    REQUIRE(opened);
    stop = std::move(*opened);
    session_config.wall_clock = [this] { return now; };
    config = std::move(session_config);
  }
  LiveOutcome run() {
    LiveParts parts{.capture = &source, .interfaces = {"fake0"}};
    LiveSession session(config, std::move(parts), engine, *stop, publisher, log);
    return session.run();
  }

  std::int64_t now = kNow;
  LiveSessionConfig config;
  std::unique_ptr<StopSignals> stop;
  FakeSource source;
  Engine engine{EngineConfig{.ports = {5060}, .wall_clock = true}};
  RecordingPublisher publisher;
  std::ostringstream log;
};

}  // namespace

TEST_CASE("live session: frames are counted, and the end of the source ends the run with one final report",
          "[live][session]") {
  Harness harness;
  for (int i = 0; i < 3; ++i) harness.source.queue(i, kNow);
  harness.source.after_first_drain = LiveSource::State::ended;
  const LiveOutcome outcome = harness.run();
  CHECK(outcome.reason == LiveOutcome::Reason::source_ended);
  CHECK(outcome.delivered);
  CHECK(harness.publisher.refreshes >= 1);  // before the loop: every family from the first scrape
  CHECK(harness.publisher.finals == 1);
  CHECK(harness.publisher.remotes == 1);
  CHECK_FALSE(harness.publisher.remote_before_local);
  const Report& report = harness.publisher.final_report;
  CHECK(report.capture.packets == 3);
  CHECK(report.capture.sip_messages == 3);
  REQUIRE(report.capture.live);
  CHECK(report.capture.live->source == "fake");
  CHECK(report.capture.live->interfaces == std::vector<std::string>{"fake0"});
  CHECK(report.capture.live->drops.at("truncated") == 2);
  CHECK(harness.source.stopped);
}

TEST_CASE("live session: SIGTERM and SIGINT stop it, and what is still buffered reaches the final report",
          "[live][session]") {
  const int signal = GENERATE(SIGTERM, SIGINT);
  Harness harness;
  // Frames the "kernel" holds but has not announced: only the final drain, after stop(), takes them.
  for (int i = 0; i < 5; ++i) harness.source.queue(i, kNow, false);
  harness.source.per_drain = 2;   // and each pass hands on only part of them
  REQUIRE(::raise(signal) == 0);  // blocked by StopSignals: pending, read through the signalfd
  const LiveOutcome outcome = harness.run();
  CHECK(outcome.reason == LiveOutcome::Reason::stop_signal);
  CHECK(outcome.signal == signal);
  CHECK(harness.source.stopped);
  CHECK(harness.source.drained_after_stop == 5);  // passes of 2, 2, 1, then an empty one
  CHECK(harness.publisher.finals == 1);
  CHECK(harness.publisher.final_report.capture.packets == 5);
}

TEST_CASE("live session: with --calls, SIGHUP reopens the files and does not stop, SIGTERM still does",
          "[live][session]") {
  Harness harness({}, /*hangup=*/true);
  harness.source.queue(1, kNow, false);
  REQUIRE(::raise(SIGHUP) == 0);  // both pending; the signalfd hands SIGHUP (the lower number) first
  REQUIRE(::raise(SIGTERM) == 0);
  const LiveOutcome outcome = harness.run();
  CHECK(harness.publisher.reopens == 1);
  CHECK(outcome.reason == LiveOutcome::Reason::stop_signal);
  CHECK(outcome.signal == SIGTERM);
  CHECK(harness.publisher.finals == 1);
}

TEST_CASE("live session: the final drain of a source that never runs dry is bounded", "[live][session]") {
  Harness harness;
  harness.source.queue(1, kNow, false);
  harness.source.per_drain = 1;
  harness.source.endless = true;
  REQUIRE(::raise(SIGTERM) == 0);
  const LiveOutcome outcome = harness.run();
  CHECK(outcome.reason == LiveOutcome::Reason::stop_signal);
  CHECK(harness.source.drained_after_stop == 4);  // kFinalDrainPasses
  CHECK(harness.publisher.final_report.capture.packets == 4);
}

TEST_CASE("live session: timers refresh the metrics, rewrite the report and print the status, and --duration ends it",
          "[live][session]") {
  using Seconds = std::chrono::duration<double>;
  Harness harness(LiveSessionConfig{.refresh_interval = Seconds(0.01),
                                    .report_interval = Seconds(0.01),
                                    .status_interval = Seconds(0.01),
                                    .duration = Seconds(0.3)});
  const LiveOutcome outcome = harness.run();
  CHECK(outcome.reason == LiveOutcome::Reason::duration);
  CHECK(harness.publisher.refreshes >= 2);  // the first one, then at least one timer's
  CHECK(harness.publisher.rewrites >= 1);
  CHECK(harness.publisher.statuses >= 1);
  CHECK(harness.publisher.finals == 1);
}

TEST_CASE("live session: the engine's expiry runs on the clock the session passes, not on packet time",
          "[live][session]") {
  // An INVITE stamped 40 s before the session's clock: its Timer B (32 s) has run out at `now`, so
  // the final report counts a timeout; with the clock at the INVITE's own time, it is pending.
  const bool clock_late = GENERATE(true, false);
  Harness harness;
  harness.now = clock_late ? kNow : kNow - 40 * kSecond;
  harness.source.queue(1, kNow - 40 * kSecond);
  harness.source.after_first_drain = LiveSource::State::ended;
  harness.run();
  REQUIRE(harness.publisher.final_report.rfc6076);
  CHECK(harness.publisher.final_report.rfc6076->sessions.timeouts == (clock_late ? 1u : 0u));
  CHECK(harness.publisher.final_report.rfc6076->sessions.pending == (clock_late ? 0u : 1u));
}

TEST_CASE("live session: a failing source is said so, and the report is still delivered", "[live][session]") {
  Harness harness;
  harness.source.queue(1, kNow);
  harness.source.after_first_drain = LiveSource::State::failed;
  harness.publisher.local_ok = false;  // and a report file that could not be written is told too
  const LiveOutcome outcome = harness.run();
  CHECK(outcome.reason == LiveOutcome::Reason::source_failed);
  CHECK(outcome.message == "the device went away");
  CHECK(harness.log.str().find("sipmon: capture failed: the device went away") != std::string::npos);
  CHECK_FALSE(outcome.delivered);
  CHECK(harness.publisher.finals == 1);
  CHECK(harness.publisher.remotes == 1);
  CHECK(harness.publisher.final_report.capture.packets == 1);
}
