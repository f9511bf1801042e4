#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "outputs/basic_auth.h"
#include "outputs/web_config.h"

using namespace sipmon;
namespace fs = std::filesystem;

namespace {

// Published bcrypt test vectors (Openwall's crypt_blowfish wrapper.c): hash -> password. Hand-made
// truth: they come from outside this code and outside libcrypt.
constexpr const char* kHashOfUStarU = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";      // "U*U"
constexpr const char* kHashOfUStarUStar = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK";  // "U*U*"

std::string write_config(const std::string& text) {
  std::string path = (fs::temp_directory_path() / "issue15-webcfg.XXXXXX").string();
  const int fd = ::mkstemp(path.data());
  ::close(fd);
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("basic auth: bcrypt hashes verify their password and nothing else", "[web-config]") {
  BasicAuth auth({{"prometheus", kHashOfUStarU}, {"grafana", kHashOfUStarUStar}});
  CHECK(auth.enabled());
  CHECK(auth.verify("prometheus", "U*U"));
  CHECK(auth.verify("prometheus", "U*U"));  // again, from the remembered pair
  CHECK_FALSE(auth.verify("prometheus", "U*U*"));
  CHECK_FALSE(auth.verify("prometheus", ""));
  CHECK(auth.verify("grafana", "U*U*"));
  CHECK_FALSE(auth.verify("grafana", "U*U"));
  CHECK_FALSE(auth.verify("nobody", "U*U"));
  CHECK_FALSE(auth.verify("prometheus", std::string("U*U\0tail", 8)));  // crypt() would stop at NUL
  CHECK_FALSE(BasicAuth({}).enabled());
}

TEST_CASE("web config: the exporter-toolkit format, and refusals that name the key", "[web-config]") {
  const std::string good = write_config(std::string("basic_auth_users:\n  prometheus: ") + kHashOfUStarU + "\n");
  const auto config = load_web_config(good);
  REQUIRE(config);
  CHECK(config->basic_auth_users.at("prometheus") == kHashOfUStarU);
  CHECK_FALSE(config->tls());
  fs::remove(good);

  const std::string empty = write_config("");
  CHECK(load_web_config(empty));
  fs::remove(empty);

  const auto refused = [](const std::string& text, const std::string& expected) {
    const std::string path = write_config(text);
    const auto loaded = load_web_config(path);
    fs::remove(path);
    REQUIRE_FALSE(loaded);
    INFO(loaded.error().message);
    CHECK(loaded.error().message.find(expected) != std::string::npos);
  };
  refused("basic_auth_users:\n  prometheus: secret\n", "bcrypt");  // a clear-text password
  refused("tls_server_config:\n  cert_file: /nonexistent.pem\n  key_file: /nonexistent.key\n", "cert_file");
  refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n",
          "client_auth_type");
  refused("http_server_config:\n  http2: false\n", "http_server_config");
  refused("basic_auth_users: [a, b]\n", "basic_auth_users");
  refused("basic_auth_users: {\n", "not YAML");
  CHECK_FALSE(load_web_config("/nonexistent/web.yml"));
}
