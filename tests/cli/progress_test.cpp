#include <catch2/catch.hpp>

#include <sstream>

#include "cli/progress.h"

using namespace sipmon;
using namespace std::chrono_literals;

namespace {

struct CountingSink final : FrameSink {
  std::uint64_t frames = 0;
  void on_frame(const Frame&) override { ++frames; }
};

}  // namespace

TEST_CASE("the progress line: bytes of the total, packets per second, time left", "[progress]") {
  // 30 MB of 120 MB in 10 s: 3 MB/s, 90 MB left = 30 s; 500000 frames in 10 s.
  CHECK(format_replay_progress(ReadProgress{30'000'000, 120'000'000}, 500'000, 10.0) ==
        "30.0 MB of 120.0 MB (25%), 50000 packets/s, ETA 0:30");
  // 2 minutes 5 seconds left.
  CHECK(format_replay_progress(ReadProgress{1'000'000, 126'000'000}, 1000, 1.0) ==
        "1.0 MB of 126.0 MB (1%), 1000 packets/s, ETA 2:05");
  // Standard input: no total, so neither share nor ETA.
  CHECK(format_replay_progress(ReadProgress{5'500'000, std::nullopt}, 20'000, 2.0) == "5.5 MB, 10000 packets/s");
}

TEST_CASE("no progress line in the first second, then a redraw every half second", "[progress]") {
  CountingSink inner;
  std::ostringstream out;
  ReplayProgress::Clock::time_point now{};
  std::uint64_t bytes = 0;
  ReplayProgress progress(
      inner,
      [&] {
        return ReadProgress{bytes, 10'000'000};
      },
      out, [&] { return now; });
  const Frame frame{};
  auto feed = [&](int frames) {
    for (int i = 0; i < frames; ++i) progress.on_frame(frame);
  };
  now += 900ms;
  bytes = 1'000'000;
  feed(8192);
  CHECK(out.str().empty());     // under a second: silent
  CHECK(inner.frames == 8192);  // every frame still reaches the engine
  now += 200ms;                 // 1.1 s
  feed(4096);
  CHECK(out.str().find("\rsipmon: 1.0 MB of 10.0 MB (10%)") == 0);
  const std::size_t first = out.str().size();
  now += 100ms;
  feed(4096);
  CHECK(out.str().size() == first);  // redrawn at most every 500 ms
  now += 500ms;
  feed(4096);
  CHECK(out.str().size() > first);
  progress.finish();
  CHECK(out.str().ends_with("\r\033[K"));  // the line is erased at the end
}

TEST_CASE("a replay that ends within a second prints nothing, not even the erase", "[progress]") {
  CountingSink inner;
  std::ostringstream out;
  ReplayProgress::Clock::time_point now{};
  ReplayProgress progress(
      inner, [] { return ReadProgress{}; }, out, [&] { return now; });
  for (int i = 0; i < 100'000; ++i) progress.on_frame(Frame{});
  progress.finish();
  CHECK(out.str().empty());
  CHECK(inner.frames == 100'000);
}
