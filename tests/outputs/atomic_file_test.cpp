#include <catch2/catch.hpp>

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "outputs/atomic_file.h"

using namespace sipmon;
namespace fs = std::filesystem;

namespace {

// A scratch directory removed at the end of the test.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "issue15-atomic.XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

mode_t mode_of(const std::string& path) {
  struct stat info {};
  ::lstat(path.c_str(), &info);
  return info.st_mode;
}

int entries(const fs::path& directory) {
  int n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(directory)) ++n;
  return n;
}

}  // namespace

TEST_CASE("atomic file: a new file gets the content, 0666 less the umask, no temporary left", "[atomic-file]") {
  ScratchDir dir;
  const mode_t old_mask = ::umask(027);
  const auto written = write_file_atomically(dir / "report.json", "{}\n");
  ::umask(old_mask);
  REQUIRE(written);
  CHECK(read_text(dir / "report.json") == "{}\n");
  CHECK((mode_of(dir / "report.json") & 07777) == 0640);
  CHECK(entries(dir.path) == 1);
}

TEST_CASE("atomic file: replacing a file keeps its mode (a 0600 file stays private)", "[atomic-file]") {
  ScratchDir dir;
  std::ofstream(dir / "secret.prom") << "old\n";
  ::chmod((dir / "secret.prom").c_str(), 0600);
  REQUIRE(write_file_atomically(dir / "secret.prom", "new\n"));
  CHECK(read_text(dir / "secret.prom") == "new\n");
  CHECK((mode_of(dir / "secret.prom") & 07777) == 0600);
  ::chmod((dir / "secret.prom").c_str(), 0664);
  REQUIRE(write_file_atomically(dir / "secret.prom", "newer\n"));
  CHECK((mode_of(dir / "secret.prom") & 07777) == 0664);
}

TEST_CASE("atomic file: a symlink stays a link and its target gets the content", "[atomic-file]") {
  ScratchDir dir;
  fs::create_directory(dir.path / "real");
  std::ofstream(dir / "real/report.json") << "old\n";
  fs::create_symlink("real/report.json", dir.path / "link.json");
  REQUIRE(write_file_atomically(dir / "link.json", "new\n"));
  CHECK(S_ISLNK(mode_of(dir / "link.json")));
  CHECK(read_text(dir / "real/report.json") == "new\n");

  // A link to a file that does not exist yet creates the file, not a file in place of the link.
  fs::create_symlink(dir / "real/later.json", dir.path / "dangling.json");
  REQUIRE(write_file_atomically(dir / "dangling.json", "later\n"));
  CHECK(S_ISLNK(mode_of(dir / "dangling.json")));
  CHECK(read_text(dir / "real/later.json") == "later\n");
  CHECK(entries(dir.path / "real") == 2);
}

TEST_CASE("atomic file: a link to a character device is written through, the device stays", "[atomic-file]") {
  ScratchDir dir;
  fs::create_symlink("/dev/null", dir.path / "null");
  REQUIRE(write_file_atomically(dir / "null", "discarded\n"));
  CHECK(S_ISLNK(mode_of(dir / "null")));
  CHECK(S_ISCHR(mode_of("/dev/null")));
  CHECK(entries(dir.path) == 1);
}

TEST_CASE("atomic file: a pipe (as /dev/stdout is under a shell pipeline) is written directly", "[atomic-file]") {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  // /proc/self/fd/N is what /dev/stdout resolves to; it names the pipe, not a file to replace.
  const std::string path = "/proc/self/fd/" + std::to_string(pipe_fds[1]);
  REQUIRE(write_file_atomically(path, "through the pipe\n"));
  ::close(pipe_fds[1]);
  char buffer[64] = {};
  const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer - 1);
  ::close(pipe_fds[0]);
  CHECK(std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0) == "through the pipe\n");
}

TEST_CASE("atomic file: a FIFO is written directly and stays a FIFO", "[atomic-file]") {
  ScratchDir dir;
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  const int reader = ::open((dir / "fifo").c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(reader >= 0);
  REQUIRE(check_output_path("--out", dir / "fifo"));
  REQUIRE(write_file_atomically(dir / "fifo", "fifo\n"));
  char buffer[16] = {};
  const ssize_t n = ::read(reader, buffer, sizeof buffer - 1);
  ::close(reader);
  CHECK(std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0) == "fifo\n");
  CHECK(S_ISFIFO(mode_of(dir / "fifo")));
}

TEST_CASE("output paths are checked before any work: missing directory, a directory, no right to write",
          "[atomic-file]") {
  ScratchDir dir;
  CHECK(check_output_path("--out", dir / "report.json"));
  CHECK(entries(dir.path) == 0);  // the probe leaves nothing behind

  const auto missing = check_output_path("--out", dir / "no/such/dir/report.json");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("--out ") == 0);
  CHECK(missing.error().message.find("does not exist") != std::string::npos);

  const auto directory = check_output_path("--prom-file", dir.path.string());
  REQUIRE_FALSE(directory);
  CHECK(directory.error().message.find("directory") != std::string::npos);

  // A directory the process cannot write once it runs as an unprivileged user (as live does after
  // dropping its rights): checked in a child that gives up root the same way.
  fs::create_directory(dir.path / "root-only");
  ::chmod((dir / "root-only").c_str(), 0755);
  ::chmod(dir.path.c_str(), 0755);
  const passwd* nobody = ::getpwnam("nobody");
  if (::geteuid() != 0 || nobody == nullptr) {
    ::chmod((dir / "root-only").c_str(), 0555);
    CHECK_FALSE(check_output_path("--out", dir / "root-only/report.json"));
    ::chmod((dir / "root-only").c_str(), 0755);
    return;
  }
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::setgid(nobody->pw_gid) != 0 || ::setuid(nobody->pw_uid) != 0) ::_exit(3);
    const auto refused = check_output_path("--out", dir / "root-only/report.json");
    ::_exit(!refused && refused.error().message.find("Permission denied") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("atomic file: this process's descriptor to a file (stdout redirected by a shell) is written through it",
          "[atomic-file]") {
  ScratchDir dir;
  // As `sipmon replay --json --out /dev/stdout > log`: the shell opens log without O_APPEND.
  const int fd = ::open((dir / "log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "a", 1) == 1);
  REQUIRE(write_file_atomically("/proc/self/fd/" + std::to_string(fd), "b"));
  REQUIRE(::write(fd, "c", 1) == 1);  // what std::cout would write next
  ::close(fd);
  CHECK(read_text(dir / "log") == "abc");
  CHECK(entries(dir.path) == 1);
}
