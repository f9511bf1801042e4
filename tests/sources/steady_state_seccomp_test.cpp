// The steady-state seccomp filter, installed for real in a forked child: the parent reads the
// outcome of each attempt from the child's exit status (a code for the errno seen, or the signal
// that killed it). Seccomp needs no privilege once no_new_privs is set, so this runs as any user.
#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <thread>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sources/steady_state_seccomp.h"

namespace sipmon {
namespace {

constexpr int kFilterFailed = 100;
constexpr int kUnexpectedSuccess = 101;

// Runs `attempt` in a child under the filter; returns the child's wait status. `attempt` returns
// the exit code the child ends with (only reached when the filter does not kill it).
int run_filtered(const std::function<int()>& attempt) {
  const pid_t child = ::fork();
  if (child == 0) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || !install_steady_state_filter()) ::_exit(kFilterFailed);
    ::_exit(attempt());
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return status;
}

bool killed_by_sigsys(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS; }
int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status); }

}  // namespace

TEST_CASE("steady-state filter: an intruder's calls kill the process") {
  SECTION("execve") {
    const int status = run_filtered([] {
      char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
      ::execve("/bin/true", argv, environ);
      return kUnexpectedSuccess;  // execve returned: it was refused without a kill
    });
    CHECK(killed_by_sigsys(status));
  }
  SECTION("ptrace") {
    const int status = run_filtered([] {
      ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
      return kUnexpectedSuccess;
    });
    CHECK(killed_by_sigsys(status));
  }
  SECTION("setuid back to root") {
    const int status = run_filtered([] {
      (void)::setuid(0);
      return kUnexpectedSuccess;
    });
    CHECK(killed_by_sigsys(status));
  }
}

TEST_CASE("steady-state filter: what is not on the list fails with EPERM") {
  SECTION("a packet socket (root could open one without the filter)") {
    const int status = run_filtered([] {
      const int fd = ::socket(AF_PACKET, SOCK_RAW, 0);
      return fd < 0 && errno == EPERM ? 0 : kUnexpectedSuccess;
    });
    CHECK(exit_code(status) == 0);
  }
  SECTION("a new process") {
    const int status = run_filtered([] {
      const pid_t grandchild = ::fork();
      if (grandchild == 0) ::_exit(0);
      return grandchild < 0 && errno == EPERM ? 0 : kUnexpectedSuccess;
    });
    CHECK(exit_code(status) == 0);
  }
  SECTION("changing a file's owner") {
    const int status = run_filtered([] { return ::fchown(0, 0, 0) != 0 && errno == EPERM ? 0 : kUnexpectedSuccess; });
    CHECK(exit_code(status) == 0);
  }
}

TEST_CASE("steady-state filter: what the live loop needs still works") {
  const int status = run_filtered([] {
    // A thread (the metrics server and the push client start them), an IPv4 socket, a file
    // written and renamed (--out), and memory.
    int thread_result = -1;
    std::thread worker([&] { thread_result = 0; });
    worker.join();
    if (thread_result != 0) return 1;
    const int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (udp < 0) return 2;
    ::close(udp);
    char path[] = "/tmp/i16b-seccomp-XXXXXX";
    const int file = ::mkstemp(path);
    if (file < 0 || ::write(file, "x", 1) != 1 || ::fsync(file) != 0) return 3;
    ::close(file);
    const std::string renamed = std::string(path) + ".done";
    if (::rename(path, renamed.c_str()) != 0) return 4;
    if (::unlink(renamed.c_str()) != 0) return 5;
    void* memory = std::malloc(64 << 20);
    if (memory == nullptr) return 6;
    std::free(memory);
    return 0;
  });
  CHECK(exit_code(status) == 0);
}

}  // namespace sipmon
