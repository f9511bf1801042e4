#pragma once
// libcurl, loaded the first time a push is configured instead of at every start. Linked, it and
// the 18 libraries it brings (OpenSSL, Kerberos, LDAP, SSH, RTMP, ...) were 19 of sipmon's 51
// shared objects, mapped and relocated by every run, while only --push uses them (docs/prometheus.md,
// "Failures"). The Debian package depends on libcurl4 all the same (cmake/package.cmake).
#include <curl/curl.h>

#include "analysis/error.h"

namespace sipmon {

// The libcurl functions the Pushgateway client calls, by the types curl.h declares. Called through
// these pointers, curl_easy_setopt and curl_easy_getinfo lose curl.h's gcc type-checking macros:
// each call passes the type its option documents (long, curl_off_t, a pointer, a callback).
struct LibcurlApi {
  decltype(&::curl_global_init) global_init;
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
};

// The soname loaded: Debian's libcurl4 (libcurl built with OpenSSL).
inline constexpr const char* kLibcurlSoname = "libcurl.so.4";

// Loads `soname` (once per process for each name; thread-safe) and calls curl_global_init.
// The error says what is missing and which package provides it.
Expected<const LibcurlApi*> load_libcurl(const char* soname = kLibcurlSoname);

}  // namespace sipmon
