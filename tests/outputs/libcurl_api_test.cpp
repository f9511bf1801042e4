#include "outputs/libcurl_api.h"

#include <catch2/catch.hpp>

#include <string>

using namespace sipmon;

TEST_CASE("libcurl is loaded on demand, with every function the Pushgateway client calls", "[push]") {
  const auto curl = load_libcurl();
  REQUIRE(curl.has_value());
  const LibcurlApi& api = **curl;
  CHECK(api.global_init != nullptr);
  CHECK(api.easy_setopt != nullptr);
  CHECK(api.slist_free_all != nullptr);
  // The functions are libcurl's own: a handle comes and goes, an error code has its text.
  CURL* handle = api.easy_init();
  REQUIRE(handle != nullptr);
  CHECK(api.easy_setopt(handle, CURLOPT_TIMEOUT_MS, 1000L) == CURLE_OK);
  api.easy_cleanup(handle);
  CHECK(std::string(api.easy_strerror(CURLE_OPERATION_TIMEDOUT)).find("imeout") != std::string::npos);
  // Loaded once: the same table every time.
  CHECK(&**load_libcurl() == &api);
}

TEST_CASE("a libcurl that cannot be loaded is a usage error naming the package", "[push]") {
  const auto missing = load_libcurl("libcurl-sipmon-missing.so.4");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().kind == ErrorKind::usage);
  CHECK(missing.error().message.find("--push needs libcurl") != std::string::npos);
  CHECK(missing.error().message.find("libcurl4") != std::string::npos);
  CHECK(missing.error().message.find("libcurl-sipmon-missing.so.4") != std::string::npos);
  // A library that is not libcurl: loaded, but its functions are missing.
  const auto not_curl = load_libcurl("libz.so.1");
  REQUIRE_FALSE(not_curl.has_value());
  CHECK(not_curl.error().message.find("curl_easy_init") != std::string::npos);
}
