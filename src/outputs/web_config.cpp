#include "outputs/web_config.h"

#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace sipmon {
namespace {

bool is_bcrypt_hash(const std::string& hash) {
  // $2b$NN$ + 53 characters of salt and digest.
  return hash.size() == 60 && (hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"));
}

Expected<std::string> read_whole(const std::string& config, const std::string& key, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().empty())
    return make_error(ErrorKind::usage, config + ": " + key + " " + path + ": cannot read it (or it is empty)");
  return text.str();
}

Error refuse(const std::string& path, const std::string& why) {
  return Error{ErrorKind::usage, "--web-config " + path + ": " + why};
}

}  // namespace

Expected<WebConfig> load_web_config(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return tl::unexpected(refuse(path, "cannot read it"));
  } catch (const YAML::Exception& error) {
    return tl::unexpected(refuse(path, std::string("not YAML: ") + error.what()));
  }
  WebConfig config;
  if (root.IsNull()) return config;  // an empty file asks for nothing
  if (!root.IsMap())
    return tl::unexpected(refuse(path, "expected a mapping of basic_auth_users and tls_server_config"));
  try {
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      const YAML::Node& value = entry.second;
      if (key == "basic_auth_users") {
        if (value.IsNull()) continue;
        if (!value.IsMap()) return tl::unexpected(refuse(path, "basic_auth_users: expected USER: BCRYPT-HASH lines"));
        for (const auto& user : value) {
          const std::string name = user.first.as<std::string>();
          const std::string hash = user.second.IsScalar() ? user.second.as<std::string>() : "";
          if (name.empty() || name.find(':') != std::string::npos)
            return tl::unexpected(refuse(path, "basic_auth_users: '" + name + "' is not a usable user name"));
          if (!is_bcrypt_hash(hash)) {
            return tl::unexpected(refuse(path, "basic_auth_users: " + name +
                                                   ": expected a bcrypt hash ($2b$...), e.g. from htpasswd -nBC 10 " +
                                                   name));
          }
          config.basic_auth_users[name] = hash;
        }
      } else if (key == "tls_server_config") {
        if (!value.IsMap()) return tl::unexpected(refuse(path, "tls_server_config: expected cert_file and key_file"));
        std::string cert_file;
        std::string key_file;
        for (const auto& setting : value) {
          const std::string name = setting.first.as<std::string>();
          if (name == "cert_file") {
            cert_file = setting.second.as<std::string>();
          } else if (name == "key_file") {
            key_file = setting.second.as<std::string>();
          } else {
            return tl::unexpected(refuse(
                path,
                "tls_server_config: " + name + " is not supported (only cert_file and key_file; docs/prometheus.md)"));
          }
        }
        if (cert_file.empty() || key_file.empty())
          return tl::unexpected(refuse(path, "tls_server_config: needs both cert_file and key_file"));
        auto cert = read_whole("--web-config " + path, "cert_file", cert_file);
        if (!cert) return tl::unexpected(cert.error());
        auto private_key = read_whole("--web-config " + path, "key_file", key_file);
        if (!private_key) return tl::unexpected(private_key.error());
        config.tls_cert_pem = std::move(*cert);
        config.tls_key_pem = std::move(*private_key);
      } else {
        return tl::unexpected(refuse(path, key + " is not supported (only basic_auth_users and tls_server_config)"));
      }
    }
  } catch (const YAML::Exception& error) {
    return tl::unexpected(refuse(path, std::string("unexpected structure: ") + error.what()));
  }
  return config;
}

}  // namespace sipmon
