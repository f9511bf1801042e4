#pragma once
// One Pushgateway group, replaced by each push (HTTP PUT of the text exposition to
// /metrics/job/JOB/KEY/VALUE...), with a deadline on every push.
//
// prometheus-cpp's Gateway sets no timeout: a gateway that accepts and never answers hung
// `replay --push` forever (and the exposition file after it) and kept `live` from stopping.
// Here libcurl bounds each push (connect, send and answer together) and cancel() ends one in
// progress within a second, from any thread.
#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "analysis/error.h"
#include "outputs/libcurl_api.h"

namespace sipmon {

class PushgatewayClient {
 public:
  // base: "http://HOST:PORT" (https too). grouping: label -> value, already checked to be usable
  // as URL path segments. `curl`: load_libcurl()'s.
  PushgatewayClient(const LibcurlApi& curl, std::string base, const std::string& job,
                    const std::map<std::string, std::string>& grouping, std::chrono::milliseconds timeout);

  // Errors are one line: what went wrong and after how long ("timed out after 5 s").
  Expected<void> push(std::string_view exposition);
  // Makes a push in progress fail within a second, and every later one until resume().
  void cancel() { cancelled_ = true; }
  void resume() { cancelled_ = false; }

  const std::string& url() const { return url_; }

 private:
  const LibcurlApi& curl_;
  std::string url_;
  std::chrono::milliseconds timeout_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace sipmon
