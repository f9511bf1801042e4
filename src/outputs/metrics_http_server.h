#pragma once
// The HTTP(S) server behind --listen: GET and HEAD of /metrics (the Prometheus text exposition)
// and /healthz, optionally behind basic auth and TLS from a web-config file (web_config.h).
//
// Built on libmicrohttpd rather than prometheus-cpp's Exposer: Debian's civetweb (under the
// Exposer) is compiled without IPv6, gives every connection a worker thread for its whole life
// (two idle sockets blinded every scrape for 30 s) and loads TLS from the unversioned libssl.so.
// libmicrohttpd serves every connection from a few epoll threads, so an idle or slow client costs a
// socket, not a worker; TLS comes from GnuTLS, a declared dependency of the Debian package.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "analysis/error.h"
#include "outputs/web_config.h"

namespace sipmon {

struct MetricsHttpLimits {
  // A connection that sends nothing for this long (headers included) is closed.
  std::chrono::seconds idle_timeout{5};
  // A request's headers must be complete this long after the connection opened (or after the
  // previous answer, for keep-alive): slowloris clients are closed (header_deadline.h).
  std::chrono::milliseconds header_timeout{5000};
  unsigned connections = 512;        // open at once, all clients together
  unsigned connections_per_ip = 64;  // open at once from one client address
  unsigned threads = 4;              // each with its own epoll set
};

class MetricsHttpServer {
 public:
  using Render = std::function<std::string()>;  // the exposition, rendered per scrape (thread-safe)

  // host and port as listen_address() gives them: "127.0.0.1"/"9160", "[::1]"/"9160", "::"...
  // Binds before returning: a busy port or a non-local address fails here, with the reason.
  static Expected<std::unique_ptr<MetricsHttpServer>> start(const std::string& host, const std::string& port,
                                                            const WebConfig& web, MetricsHttpLimits limits,
                                                            Render render);
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  bool tls() const;

 private:
  struct State;
  explicit MetricsHttpServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace sipmon
