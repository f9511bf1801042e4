#include "outputs/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

namespace sipmon {
namespace {

// Owns a descriptor; closes it unless released.
struct Fd {
  int fd = -1;
  explicit Fd(int value) : fd(value) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int release() {
    const int value = fd;
    fd = -1;
    return value;
  }
};

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// /dev/stdout, /dev/fd/N and /proc/self/fd/N name a descriptor the process already has open:
// replacing what it points to would leave the process's own stdout writing to an unlinked file.
bool names_open_descriptor(const std::string& path) {
  return path.starts_with("/dev/fd/") || path == "/dev/stdin" || path == "/dev/stdout" || path == "/dev/stderr" ||
         (path.starts_with("/proc/") && path.find("/fd/") != std::string::npos);
}

// The descriptor number a path names in this process (/dev/stdout -> 1, /proc/self/fd/7 -> 7), or -1.
int own_descriptor(const std::string& path) {
  if (path == "/dev/stdin") return 0;
  if (path == "/dev/stdout") return 1;
  if (path == "/dev/stderr") return 2;
  std::string_view number;
  for (const std::string& prefix :
       {std::string("/dev/fd/"), std::string("/proc/self/fd/"), std::string("/proc/thread-self/fd/"),
        "/proc/" + std::to_string(::getpid()) + "/fd/"}) {
    if (path.starts_with(prefix)) number = std::string_view(path).substr(prefix.size());
  }
  if (number.empty() || number.size() > 9 || number.find_first_not_of("0123456789") != std::string_view::npos)
    return -1;
  return std::stoi(std::string(number));
}

struct Resolved {
  std::string path;
  bool open_descriptor = false;  // written in place (appended), never replaced
};

// The file a path finally names: symlinks followed, even to a target that does not exist yet
// (then the target is created). Links into /proc/PID/fd stay as they are (stat() follows them).
Resolved resolve_symlinks(std::string path) {
  for (int depth = 0; depth < 40; ++depth) {  // the kernel's own limit on a chain of links
    if (names_open_descriptor(path)) return {path, true};
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) return {path};
    struct stat target {};
    if (::stat(path.c_str(), &target) == 0 && !S_ISREG(target.st_mode)) return {path};  // device, pipe: open it
    std::string link(4096, '\0');
    const ssize_t n = ::readlink(path.c_str(), link.data(), link.size());
    if (n <= 0) return {path};
    link.resize(static_cast<std::size_t>(n));
    path = link.front() == '/' ? link : directory_of(path) + "/" + link;
  }
  return {path};
}

enum class Kind { missing, regular, stream, directory };

Kind kind_of(const Resolved& resolved, struct stat& info) {
  const std::string& path = resolved.path;
  if (::stat(path.c_str(), &info) != 0) return Kind::missing;
  if (resolved.open_descriptor && !S_ISDIR(info.st_mode)) return Kind::stream;
  if (S_ISREG(info.st_mode)) return Kind::regular;
  if (S_ISDIR(info.st_mode)) return Kind::directory;
  return Kind::stream;  // character device, FIFO, socket: nothing to rename over
}

Error failure(const std::string& prefix, const std::string& path, int error) {
  return Error{ErrorKind::io, prefix + path + ": cannot write: " + std::strerror(error)};
}

bool write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// A new file beside `target`, created with 0666 so that the kernel applies the umask.
Expected<int> create_temporary(const std::string& target, std::string& name) {
  std::random_device entropy;
  for (int attempt = 0; attempt < 100; ++attempt) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, ".tmp.%08x", static_cast<unsigned>(entropy()));
    name = target + suffix;
    const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd >= 0) return fd;
    if (errno != EEXIST) return tl::unexpected(Error{ErrorKind::io, std::strerror(errno)});
  }
  return tl::unexpected(Error{ErrorKind::io, "no free temporary name"});
}

// O_APPEND: behind /dev/stdout may sit a file the shell opened (`> log`); appending follows what
// the process already wrote there instead of overwriting it from offset 0.
Expected<void> write_stream(const std::string& prefix, const std::string& path, std::string_view content) {
  // This process's own descriptor: written through it, so the text lands where its other output
  // (std::cout) goes, at the same offset, even in a file a shell opened without O_APPEND.
  if (const int own = own_descriptor(path); own >= 0) {
    if (!write_all(own, content)) return tl::unexpected(failure(prefix, path, errno));
    return {};
  }
  Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC));
  if (fd.fd < 0 || !write_all(fd.fd, content)) return tl::unexpected(failure(prefix, path, errno));
  return {};
}

}  // namespace

Expected<void> write_file_atomically(const std::string& path, std::string_view content) {
  const Resolved resolved = resolve_symlinks(path);
  const std::string& target = resolved.path;
  struct stat existing {};
  const Kind kind = kind_of(resolved, existing);
  if (kind == Kind::directory) return make_error(ErrorKind::io, path + ": cannot write: it is a directory");
  if (kind == Kind::stream) return write_stream("", target, content);

  std::string temporary;
  auto created = create_temporary(target, temporary);
  if (!created) return make_error(ErrorKind::io, path + ": cannot write: " + created.error().message);
  Fd fd(*created);
  const auto abandon = [&](int error) {
    ::unlink(temporary.c_str());
    return tl::unexpected(failure("", path, error));
  };
  if (!write_all(fd.fd, content)) return abandon(errno);
  if (kind == Kind::regular) {
    // Replacing a file must not widen (or narrow) who may read it; as root, keep its owner too.
    if (::fchmod(fd.fd, existing.st_mode & 07777) != 0) return abandon(errno);
    if (::geteuid() == 0) (void)::fchown(fd.fd, existing.st_uid, existing.st_gid);
  }
  // Data on disk before the name points at it: after a crash the path holds the old or new report.
  if (::fsync(fd.fd) != 0) return abandon(errno);
  if (::close(fd.release()) != 0) return abandon(errno);
  if (std::rename(temporary.c_str(), target.c_str()) != 0) return abandon(errno);
  Fd directory(::open(directory_of(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (directory.fd >= 0) ::fsync(directory.fd);  // the rename itself
  return {};
}

Expected<void> check_output_path(const std::string& option, const std::string& path) {
  const std::string prefix = option + " ";
  if (path.empty()) return make_error(ErrorKind::io, prefix + "needs a file name");
  const Resolved resolved = resolve_symlinks(path);
  const std::string& target = resolved.path;
  struct stat existing {};
  switch (kind_of(resolved, existing)) {
    case Kind::directory:
      return make_error(ErrorKind::io, prefix + path + ": cannot write: it is a directory");
    case Kind::stream: {
      // O_NONBLOCK: a FIFO without a reader yet answers ENXIO instead of blocking start-up.
      Fd fd(::open(target.c_str(), O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
      if (fd.fd < 0 && errno != ENXIO) return tl::unexpected(failure(prefix, path, errno));
      return {};
    }
    case Kind::regular:
    case Kind::missing: {
      const std::string directory = directory_of(target);
      struct stat info {};
      if (::stat(directory.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
        return make_error(ErrorKind::io, prefix + path + ": cannot write: directory " + directory + " does not exist");
      }
      std::string temporary;
      auto created = create_temporary(target, temporary);
      if (!created) return make_error(ErrorKind::io, prefix + path + ": cannot write: " + created.error().message);
      ::close(*created);
      ::unlink(temporary.c_str());
      return {};
    }
  }
  return {};
}

}  // namespace sipmon
