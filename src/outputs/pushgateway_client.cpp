#include "outputs/pushgateway_client.h"

#include <cstring>
#include <memory>
#include <sstream>

namespace sipmon {
namespace {

struct Upload {
  std::string_view remaining;
};

std::size_t read_body(char* buffer, std::size_t size, std::size_t count, void* user) {
  Upload& upload = *static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload.remaining.size());
  std::memcpy(buffer, upload.remaining.data(), n);
  upload.remaining.remove_prefix(n);
  return n;
}

std::size_t discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

// libcurl calls this about once a second even while nothing moves; non-zero aborts the transfer.
int check_cancelled(void* flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(flag)->load() ? 1 : 0;
}

struct CurlDeleter {
  const LibcurlApi* api;
  void operator()(CURL* curl) const { api->easy_cleanup(curl); }
};
struct HeaderListDeleter {
  const LibcurlApi* api;
  void operator()(curl_slist* list) const { api->slist_free_all(list); }
};

}  // namespace

PushgatewayClient::PushgatewayClient(const LibcurlApi& curl, std::string base, const std::string& job,
                                     const std::map<std::string, std::string>& grouping,
                                     std::chrono::milliseconds timeout)
    : curl_(curl), url_(std::move(base) + "/metrics/job/" + job), timeout_(timeout) {
  for (const auto& [key, value] : grouping) url_ += "/" + key + "/" + value;
}

Expected<void> PushgatewayClient::push(std::string_view exposition) {
  if (cancelled_) return make_error(ErrorKind::io, "push to " + url_ + " cancelled: sipmon is stopping");
  std::unique_ptr<CURL, CurlDeleter> curl(curl_.easy_init(), CurlDeleter{&curl_});
  if (!curl) return make_error(ErrorKind::io, "push to " + url_ + ": cannot start libcurl");
  std::unique_ptr<curl_slist, HeaderListDeleter> headers(
      curl_.slist_append(nullptr, "Content-Type: text/plain; version=0.0.4; charset=utf-8"), HeaderListDeleter{&curl_});
  Upload upload{exposition};
  char error_text[CURL_ERROR_SIZE] = "";
  CURL* c = curl.get();
  curl_.easy_setopt(c, CURLOPT_URL, url_.c_str());
  curl_.easy_setopt(c, CURLOPT_UPLOAD, 1L);  // PUT: the group is replaced, as prometheus-cpp's Push() does
  curl_.easy_setopt(c, CURLOPT_READFUNCTION, read_body);
  curl_.easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_.easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(exposition.size()));
  curl_.easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_.easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  curl_.easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
  curl_.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // never SIGALRM: signals belong to the event loop
  curl_.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, check_cancelled);
  curl_.easy_setopt(c, CURLOPT_XFERINFODATA, &cancelled_);
  const CURLcode result = curl_.easy_perform(c);
  if (result == CURLE_ABORTED_BY_CALLBACK)
    return make_error(ErrorKind::io, "push to " + url_ + " cancelled: sipmon is stopping");
  if (result == CURLE_OPERATION_TIMEDOUT) {
    std::ostringstream text;
    text << "push to " << url_ << " timed out after " << static_cast<double>(timeout_.count()) / 1000.0
         << " s (--push-timeout)";
    return make_error(ErrorKind::io, text.str());
  }
  if (result != CURLE_OK) {
    return make_error(ErrorKind::io,
                      "push to " + url_ + " failed: " +
                          (error_text[0] != '\0' ? std::string(error_text) : curl_.easy_strerror(result)));
  }
  long status = 0;
  curl_.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300)
    return make_error(ErrorKind::io, "push to " + url_ + " failed: HTTP status " + std::to_string(status));
  return {};
}

}  // namespace sipmon
