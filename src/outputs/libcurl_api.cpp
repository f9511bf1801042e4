#include "outputs/libcurl_api.h"

#include <dlfcn.h>

#include <map>
#include <mutex>
#include <string>

namespace sipmon {
namespace {

// Sets `out` to the library's `name`, or adds the name to `missing`.
template <typename Function>
void bind_symbol(void* library, const char* name, Function& out, std::string& missing) {
  out = reinterpret_cast<Function>(::dlsym(library, name));
  if (out == nullptr) missing += std::string(missing.empty() ? "" : ", ") + name;
}

Expected<LibcurlApi> open_libcurl(const char* soname) {
  // Once it is known to be libcurl, never unloaded: libcurl keeps global state (curl_global_init)
  // for the life of the process.
  void* library = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = ::dlerror();
    return make_error(ErrorKind::usage, std::string("--push needs libcurl, which cannot be loaded (") +
                                            (why != nullptr ? why : soname) +
                                            "); on Debian it is the package libcurl4");
  }
  LibcurlApi api{};
  std::string missing;
  bind_symbol(library, "curl_global_init", api.global_init, missing);
  bind_symbol(library, "curl_easy_init", api.easy_init, missing);
  bind_symbol(library, "curl_easy_setopt", api.easy_setopt, missing);
  bind_symbol(library, "curl_easy_perform", api.easy_perform, missing);
  bind_symbol(library, "curl_easy_getinfo", api.easy_getinfo, missing);
  bind_symbol(library, "curl_easy_strerror", api.easy_strerror, missing);
  bind_symbol(library, "curl_easy_cleanup", api.easy_cleanup, missing);
  bind_symbol(library, "curl_slist_append", api.slist_append, missing);
  bind_symbol(library, "curl_slist_free_all", api.slist_free_all, missing);
  if (!missing.empty()) {
    ::dlclose(library);
    return make_error(ErrorKind::usage,
                      std::string("--push: ") + soname + " lacks " + missing + " (not libcurl 7.84 or later?)");
  }
  // Thread-safe since libcurl 7.84; counted, cheap when repeated.
  if (const CURLcode code = api.global_init(CURL_GLOBAL_DEFAULT); code != CURLE_OK) {
    return make_error(ErrorKind::usage, std::string("--push: libcurl did not start: ") + api.easy_strerror(code));
  }
  return api;
}

}  // namespace

Expected<const LibcurlApi*> load_libcurl(const char* soname) {
  // A map so that a failed name (tests) does not hide a good one; the entries are never erased, so
  // the pointers handed out stay valid.
  static std::mutex mutex;
  static std::map<std::string, Expected<LibcurlApi>> loaded;
  const std::lock_guard lock(mutex);
  auto it = loaded.find(soname);
  if (it == loaded.end()) it = loaded.emplace(soname, open_libcurl(soname)).first;
  if (!it->second) return tl::unexpected(it->second.error());
  return &*it->second;
}

}  // namespace sipmon
