#pragma once
// Closes HTTP connections whose request headers take longer than a deadline to arrive.
//
// libmicrohttpd's own timeout counts inactivity only: a slowloris client that sends one header
// byte every few seconds would keep its connection forever. Here every connection gets a deadline
// when it opens (and again after each answered request, for keep-alive), cleared when its headers
// are complete; a sweeper thread shuts down the sockets that miss it, and libmicrohttpd then
// closes them as it would any connection the peer dropped.
//
// The sweeper acts on its own duplicate of each socket, taken when the connection opens and
// closed when libmicrohttpd reports it closed: a descriptor number reused by another connection
// in between can never be hit.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace sipmon {

class HeaderDeadline {
 public:
  explicit HeaderDeadline(std::chrono::milliseconds limit);
  ~HeaderDeadline();  // stops the sweeper; call after the server has stopped
  HeaderDeadline(const HeaderDeadline&) = delete;
  HeaderDeadline& operator=(const HeaderDeadline&) = delete;

  // The connection's state, kept in libmicrohttpd's per-socket context pointer.
  struct Connection;
  Connection* opened(int socket_fd);  // null if the socket could not be duplicated (not tracked)
  void closed(Connection* connection);
  void headers_complete(Connection* connection);  // the request is being served: no deadline
  void request_done(Connection* connection);      // keep-alive: the next headers have a deadline

  unsigned long closed_late() const;  // connections shut down for missing the deadline

 private:
  void sweep();

  std::chrono::milliseconds limit_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::unordered_set<Connection*> connections_;
  unsigned long closed_late_ = 0;
  std::thread sweeper_;
};

}  // namespace sipmon
