#include "outputs/header_deadline.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sipmon {

using Clock = std::chrono::steady_clock;

struct HeaderDeadline::Connection {
  int fd;  // our duplicate of the socket
  Clock::time_point deadline;
  bool armed;
};

HeaderDeadline::HeaderDeadline(std::chrono::milliseconds limit) : limit_(limit), sweeper_([this] { sweep(); }) {}

HeaderDeadline::~HeaderDeadline() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  sweeper_.join();
  for (Connection* connection : connections_) {  // normally none: the server reported them closed
    ::close(connection->fd);
    delete connection;
  }
}

HeaderDeadline::Connection* HeaderDeadline::opened(int socket_fd) {
  const int duplicate = ::fcntl(socket_fd, F_DUPFD_CLOEXEC, 0);
  if (duplicate < 0) return nullptr;
  auto* connection = new Connection{duplicate, Clock::now() + limit_, true};
  const std::lock_guard lock(mutex_);
  connections_.insert(connection);
  return connection;
}

void HeaderDeadline::closed(Connection* connection) {
  if (connection == nullptr) return;
  {
    const std::lock_guard lock(mutex_);
    connections_.erase(connection);
  }
  ::close(connection->fd);
  delete connection;
}

void HeaderDeadline::headers_complete(Connection* connection) {
  if (connection == nullptr) return;
  const std::lock_guard lock(mutex_);
  connection->armed = false;
}

void HeaderDeadline::request_done(Connection* connection) {
  if (connection == nullptr) return;
  const std::lock_guard lock(mutex_);
  connection->deadline = Clock::now() + limit_;
  connection->armed = true;
}

unsigned long HeaderDeadline::closed_late() const {
  const std::lock_guard lock(mutex_);
  return closed_late_;
}

void HeaderDeadline::sweep() {
  // A quarter of the limit: a connection lives at most 1.25 times the limit without its headers.
  const auto period = std::max(limit_ / 4, std::chrono::milliseconds(50));
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
    const auto now = Clock::now();
    for (Connection* connection : connections_) {
      if (!connection->armed || now < connection->deadline) continue;
      // Reads and writes on the socket fail from now on; the server sees it and closes it.
      ::shutdown(connection->fd, SHUT_RDWR);
      connection->armed = false;
      ++closed_late_;
    }
  }
}

}  // namespace sipmon
