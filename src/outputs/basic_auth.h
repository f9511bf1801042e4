#pragma once
// Checks HTTP basic-auth credentials against the bcrypt hashes of a web-config file.
//
// bcrypt costs tens of milliseconds on purpose; Prometheus sends the same credentials on every
// scrape, so a pair that verified once is remembered (one entry per configured user, replaced
// when that user's password changes) and compared in constant time afterwards, as the
// exporter-toolkit does. An unknown user still costs one bcrypt run, so timing does not tell
// which user names exist.
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace sipmon {

class BasicAuth {
 public:
  explicit BasicAuth(std::map<std::string, std::string> users);  // name -> bcrypt hash
  ~BasicAuth();
  BasicAuth(const BasicAuth&) = delete;
  BasicAuth& operator=(const BasicAuth&) = delete;

  bool enabled() const { return !users_.empty(); }
  // Thread-safe.
  bool verify(std::string_view user, std::string_view password);

 private:
  const std::map<std::string, std::string> users_;
  std::map<std::string, std::string, std::less<>> verified_;  // user -> password that matched
  std::mutex mutex_;                                          // guards verified_
};

}  // namespace sipmon
