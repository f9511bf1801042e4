#include "outputs/basic_auth.h"

#include <crypt.h>

#include <cstring>

namespace sipmon {
namespace {

// Hashed for unknown users so that they cost what a known one costs (the hash of nothing useful).
constexpr const char* kDummyHash = "$2b$10$abcdefghijklmnopqrstuu4T826PRnz0Hu6YlprUuxkZxOOj5Fw5S";

// Compares without stopping at the first difference (the time says nothing about where).
bool same_bytes(std::string_view a, std::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i) difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  return difference == 0;
}

}  // namespace

BasicAuth::BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}

BasicAuth::~BasicAuth() = default;

bool BasicAuth::verify(std::string_view user, std::string_view password) {
  if (password.find('\0') != std::string_view::npos) return false;  // crypt() would cut it there
  const auto known = users_.find(std::string(user));                // users_ never changes: no lock needed
  if (known != users_.end()) {
    const std::lock_guard lock(mutex_);
    if (const auto cached = verified_.find(user); cached != verified_.end() && same_bytes(cached->second, password))
      return true;
  }
  // bcrypt runs outside the lock, on this thread's own scratch (libcrypt's crypt_data is 32 KiB):
  // a flood of wrong passwords on one connection does not hold up a known pair on another.
  thread_local crypt_data scratch;
  std::memset(&scratch, 0, sizeof scratch);
  const std::string clear(password);
  const std::string& hash = known != users_.end() ? known->second : std::string(kDummyHash);
  const char* computed = crypt_rn(clear.c_str(), hash.c_str(), &scratch, sizeof scratch);
  const bool matches = computed != nullptr && known != users_.end() && same_bytes(computed, hash);
  if (matches) {
    const std::lock_guard lock(mutex_);
    verified_[known->first] = clear;
  }
  return matches;
}

}  // namespace sipmon
