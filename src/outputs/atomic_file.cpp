#include "outputs/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sipmon {

Expected<void> write_file_atomically(const std::string& path, std::string_view content) {
  // The temporary file sits beside the target so that rename() stays within one file system.
  std::string temporary = path + ".tmp.XXXXXX";
  const int fd = mkstemp(temporary.data());
  if (fd < 0) return make_error(ErrorKind::io, path + ": cannot write: " + std::strerror(errno));
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      return make_error(ErrorKind::io, path + ": cannot write: " + std::strerror(saved));
    }
    written += static_cast<std::size_t>(n);
  }
  // mkstemp creates 0600; a report is meant to be read by others (collectors, CI).
  ::fchmod(fd, 0644);
  if (::close(fd) != 0 || std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temporary.c_str());
    return make_error(ErrorKind::io, path + ": cannot write: " + std::strerror(saved));
  }
  return {};
}

}  // namespace sipmon
