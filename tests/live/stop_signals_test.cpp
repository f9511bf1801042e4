#include <catch2/catch.hpp>

#include <signal.h>

#include "live/stop_signals.h"

using namespace sipmon;

TEST_CASE("stop signals: nothing pending, then a SIGTERM taken once, then SIGINT waited for", "[live][signals]") {
  auto opened = StopSignals::open();
  REQUIRE(opened);
  StopSignals& stop = **opened;
  CHECK(stop.fd() >= 0);
  CHECK_FALSE(stop.take());
  REQUIRE(::raise(SIGTERM) == 0);  // blocked: it waits on the signalfd instead of ending the tests
  CHECK(stop.take() == SIGTERM);
  CHECK_FALSE(stop.take());  // taken once
  REQUIRE(::raise(SIGINT) == 0);
  CHECK(stop.wait() == SIGINT);
}

TEST_CASE("stop signals: closing restores the mask it found", "[live][signals]") {
  sigset_t before;
  pthread_sigmask(SIG_BLOCK, nullptr, &before);
  {
    auto opened = StopSignals::open();
    REQUIRE(opened);
    sigset_t during;
    pthread_sigmask(SIG_BLOCK, nullptr, &during);
    CHECK(sigismember(&during, SIGTERM) == 1);
    REQUIRE(::raise(SIGTERM) == 0);  // still pending when it closes: taken, not delivered
  }
  sigset_t after;
  pthread_sigmask(SIG_BLOCK, nullptr, &after);
  CHECK(sigismember(&after, SIGTERM) == sigismember(&before, SIGTERM));
  CHECK(sigismember(&after, SIGINT) == sigismember(&before, SIGINT));
}
