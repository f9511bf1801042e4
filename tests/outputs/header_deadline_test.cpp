#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "outputs/header_deadline.h"

using namespace sipmon;
using namespace std::chrono_literals;

namespace {

// Whether the peer of a shut-down socket sees end-of-file within `wait`.
bool peer_sees_eof(int peer, std::chrono::milliseconds wait) {
  pollfd ready{peer, POLLIN, 0};
  if (::poll(&ready, 1, static_cast<int>(wait.count())) <= 0) return false;
  char byte = 0;
  return ::recv(peer, &byte, 1, MSG_DONTWAIT) == 0;
}

}  // namespace

TEST_CASE("header deadline: a connection whose headers never complete is shut down", "[header-deadline]") {
  HeaderDeadline deadline(200ms);
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
  HeaderDeadline::Connection* connection = deadline.opened(pair[0]);
  REQUIRE(connection != nullptr);
  CHECK_FALSE(peer_sees_eof(pair[1], 100ms));  // not before the deadline
  CHECK(peer_sees_eof(pair[1], 2000ms));       // shortly after it
  CHECK(deadline.closed_late() == 1);
  deadline.closed(connection);
  ::close(pair[0]);
  ::close(pair[1]);
}

TEST_CASE("header deadline: complete headers clear it, keep-alive re-arms it after the answer", "[header-deadline]") {
  HeaderDeadline deadline(200ms);
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
  HeaderDeadline::Connection* connection = deadline.opened(pair[0]);
  REQUIRE(connection != nullptr);
  deadline.headers_complete(connection);  // a request being served may take its time
  CHECK_FALSE(peer_sees_eof(pair[1], 600ms));
  deadline.request_done(connection);  // the next request's headers have a deadline again
  CHECK(peer_sees_eof(pair[1], 2000ms));
  deadline.closed(connection);
  CHECK(deadline.closed_late() == 1);
  // The duplicate is the tracker's own: closing it left the server's descriptor open.
  CHECK(::fcntl(pair[0], F_GETFD) >= 0);
  ::close(pair[0]);
  ::close(pair[1]);
}
