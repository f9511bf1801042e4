#include "outputs/metrics_http_server.h"

#include <netdb.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "outputs/basic_auth.h"
#include "outputs/header_deadline.h"

namespace sipmon {
namespace {

constexpr const char* kRealm = "sipmon";
constexpr const char* kExpositionType = "text/plain; version=0.0.4; charset=utf-8";

// Binds and listens here rather than inside libmicrohttpd, so the error names the real reason
// and IPv6 ("[::1]", "[::]") works the same way as IPv4.
Expected<int> listen_on(const std::string& host_text, const std::string& port) {
  std::string host = host_text;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int error = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); error != 0)
    return make_error(ErrorKind::usage, gai_strerror(error));
  std::string reason;
  int fd = -1;
  for (addrinfo* address = found; address != nullptr && fd < 0; address = address->ai_next) {
    fd = ::socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC, address->ai_protocol);
    if (fd < 0) {
      reason = std::strerror(errno);
      continue;
    }
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // a restart finds the port free
    if (::bind(fd, address->ai_addr, address->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
      reason = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) return make_error(ErrorKind::usage, reason);
  return fd;
}

// Each connection holds two descriptors (libmicrohttpd's and the header deadline's duplicate);
// the common soft limit of 1024 would stop accepting before the connection limit is reached.
void allow_descriptors(unsigned connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = 2 * static_cast<rlim_t>(connections) + 256;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

HeaderDeadline::Connection* deadline_of(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info == nullptr ? nullptr : static_cast<HeaderDeadline::Connection*>(info->socket_context);
}

MHD_Result answer(MHD_Connection* connection, unsigned status, std::string_view body, const char* type) {
  MHD_Response* response =
      MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  if (status == MHD_HTTP_METHOD_NOT_ALLOWED) MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  const MHD_Result queued = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return queued;
}

}  // namespace

struct MetricsHttpServer::State {
  MetricsHttpServer::Render render;
  BasicAuth auth;
  HeaderDeadline deadline;
  bool tls = false;
  std::string cert_pem;
  std::string key_pem;
  MHD_Daemon* daemon = nullptr;

  State(Render r, const WebConfig& web, std::chrono::milliseconds header_timeout)
      : render(std::move(r)),
        auth(web.basic_auth_users),
        deadline(header_timeout),
        tls(web.tls()),
        cert_pem(web.tls_cert_pem),
        key_pem(web.tls_key_pem) {}

  static void connection_changed(void* self, MHD_Connection* connection, void** socket_context,
                                 MHD_ConnectionNotificationCode change) {
    HeaderDeadline& deadline = static_cast<State*>(self)->deadline;
    if (change == MHD_CONNECTION_NOTIFY_STARTED) {
      const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
      *socket_context = info == nullptr ? nullptr : deadline.opened(info->connect_fd);
    } else {
      deadline.closed(static_cast<HeaderDeadline::Connection*>(*socket_context));
      *socket_context = nullptr;
    }
  }

  static void request_completed(void* self, MHD_Connection* connection, void** /*request_state*/,
                                MHD_RequestTerminationCode /*why*/) {
    static_cast<State*>(self)->deadline.request_done(deadline_of(connection));
  }

  bool authorized(MHD_Connection* connection) {
    if (!auth.enabled()) return true;
    char* password = nullptr;
    char* user = MHD_basic_auth_get_username_password(connection, &password);
    const bool ok = user != nullptr && password != nullptr && auth.verify(user, password);
    if (user != nullptr) MHD_free(user);
    if (password != nullptr) {
      std::memset(password, 0, std::strlen(password));
      MHD_free(password);
    }
    return ok;
  }

  static MHD_Result handle(void* self, MHD_Connection* connection, const char* url, const char* method,
                           const char* /*version*/, const char* /*upload_data*/, std::size_t* upload_data_size,
                           void** /*request_state*/) {
    State& state = *static_cast<State*>(self);
    state.deadline.headers_complete(deadline_of(connection));
    // Every path sits behind the same credentials, as with the exporter-toolkit.
    if (!state.authorized(connection)) {
      constexpr std::string_view body = "Unauthorized\n";
      MHD_Response* response =
          MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_PERSISTENT);
      if (response == nullptr) return MHD_NO;
      const MHD_Result queued = MHD_queue_basic_auth_fail_response(connection, kRealm, response);
      MHD_destroy_response(response);
      return queued;
    }
    const std::string_view verb = method;
    // HEAD gets GET's headers without the body: libmicrohttpd drops the body by itself.
    if (verb != MHD_HTTP_METHOD_GET && verb != MHD_HTTP_METHOD_HEAD) {
      *upload_data_size = 0;  // a body is never read
      return answer(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n", "text/plain; charset=utf-8");
    }
    const std::string_view path = url;
    if (path == "/metrics") return answer(connection, MHD_HTTP_OK, state.render(), kExpositionType);
    if (path == "/healthz") return answer(connection, MHD_HTTP_OK, "ok\n", "text/plain; charset=utf-8");
    if (path == "/") {
      return answer(connection, MHD_HTTP_OK,
                    "<html><head><title>sipmon</title></head><body><h1>sipmon</h1>"
                    "<p><a href=\"/metrics\">Metrics</a></p></body></html>\n",
                    "text/html; charset=utf-8");
    }
    return answer(connection, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n", "text/plain; charset=utf-8");
  }
};

MetricsHttpServer::MetricsHttpServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

MetricsHttpServer::~MetricsHttpServer() {
  if (state_->daemon != nullptr) MHD_stop_daemon(state_->daemon);  // closes the listening socket too
}

bool MetricsHttpServer::tls() const { return state_->tls; }

Expected<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::start(const std::string& host, const std::string& port,
                                                                      const WebConfig& web, MetricsHttpLimits limits,
                                                                      Render render) {
  auto state = std::make_unique<State>(std::move(render), web, limits.header_timeout);
  allow_descriptors(limits.connections);
  auto fd = listen_on(host, port);
  if (!fd) return tl::unexpected(fd.error());
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD;
  if (state->tls) flags |= MHD_USE_TLS;
  std::vector<MHD_OptionItem> options{
      {MHD_OPTION_LISTEN_SOCKET, *fd, nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT, static_cast<intptr_t>(limits.idle_timeout.count()), nullptr},
      {MHD_OPTION_CONNECTION_LIMIT, static_cast<intptr_t>(limits.connections), nullptr},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, static_cast<intptr_t>(limits.connections_per_ip), nullptr},
      {MHD_OPTION_THREAD_POOL_SIZE, static_cast<intptr_t>(limits.threads), nullptr},
      {MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&State::connection_changed), state.get()},
      {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&State::request_completed), state.get()},
  };
  if (state->tls) {
    options.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, state->cert_pem.data()});
    options.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, state->key_pem.data()});
  }
  options.push_back({MHD_OPTION_END, 0, nullptr});
  State* self = state.get();
  state->daemon = MHD_start_daemon(flags, 0, nullptr, nullptr, &State::handle, self, MHD_OPTION_ARRAY, options.data(),
                                   MHD_OPTION_END);
  if (state->daemon == nullptr) {
    ::close(*fd);
    return make_error(ErrorKind::usage, state->tls ? "cannot start the HTTPS server (is the certificate or key bad?)"
                                                   : "cannot start the HTTP server");
  }
  return std::unique_ptr<MetricsHttpServer>(new MetricsHttpServer(std::move(state)));
}

}  // namespace sipmon
