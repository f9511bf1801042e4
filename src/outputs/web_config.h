#pragma once
// The web-config file of Prometheus's exporter-toolkit (the format node_exporter reads with
// --web.config.file), reduced to what sipmon's /metrics server can honour:
//
//   basic_auth_users:            # user: bcrypt hash ($2a$, $2b$ or $2y$), e.g. from htpasswd -nBC 10
//     prometheus: $2b$10$...
//   tls_server_config:           # optional; serves HTTPS instead of HTTP
//     cert_file: /etc/sipmon/cert.pem
//     key_file: /etc/sipmon/key.pem
//
// Any other key is refused by name rather than ignored: an operator who asked for client
// certificates or a TLS version must not get a server that silently does less.
#include <map>
#include <string>

#include "analysis/error.h"

namespace sipmon {

struct WebConfig {
  std::map<std::string, std::string> basic_auth_users;  // name -> bcrypt hash
  std::string tls_cert_pem;                             // the files' contents, read at load time
  std::string tls_key_pem;
  bool tls() const { return !tls_cert_pem.empty(); }
};

// Reads and checks the file: errors name the file and the key (ErrorKind::usage).
Expected<WebConfig> load_web_config(const std::string& path);

}  // namespace sipmon
