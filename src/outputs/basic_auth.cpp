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

struct BasicAuth::CryptScratch {
  crypt_data data;
};

BasicAuth::BasicAuth(std::map<std::string, std::string> users)
    : users_(std::move(users)), scratch_(std::make_unique<CryptScratch>()) {}

BasicAuth::~BasicAuth() = default;

bool BasicAuth::verify(std::string_view user, std::string_view password) {
  const std::lock_guard lock(mutex_);
  if (password.find('\0') != std::string_view::npos) return false;  // crypt() would cut it there
  const auto known = users_.find(std::string(user));
  if (known != users_.end()) {
    if (const auto cached = verified_.find(user); cached != verified_.end() && same_bytes(cached->second, password))
      return true;
  }
  const std::string hash = known != users_.end() ? known->second : kDummyHash;
  std::memset(&scratch_->data, 0, sizeof scratch_->data);
  const std::string clear(password);
  const char* computed = crypt_rn(clear.c_str(), hash.c_str(), &scratch_->data, sizeof scratch_->data);
  const bool matches = computed != nullptr && known != users_.end() && same_bytes(computed, hash);
  if (matches) verified_[known->first] = clear;
  return matches;
}

}  // namespace sipmon
