// The steady-state seccomp filter, installed for real in a forked child: the parent reads the
// outcome of each attempt from the child's exit status (a code for the errno seen, or the signal
// that killed it). Seccomp needs no privilege once no_new_privs is set, so this runs as any user.
#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <thread>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netinet/in.h>

#include <cstring>
#include <string>

#include "analysis/engine.h"
#include "analysis/hep_ingest.h"
#include "outputs/hep_sender.h"
#include "sources/hep_listener.h"
#include "sources/socket_address.h"
#include "sources/steady_state_seccomp.h"
#include "support/frame_builder.h"

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

// The same, for an attempt that installs the filter itself once its set-up is done.
int run_setup_then_filtered(const std::function<int()>& attempt) {
  const pid_t child = ::fork();
  if (child == 0) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(kFilterFailed);
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
  const std::string pattern = (std::filesystem::temp_directory_path() / "i16b-seccomp-XXXXXX").string();
  const int status = run_filtered([&pattern] {
    // A thread (the metrics server and the push client start them), an IPv4 socket, a file
    // written and renamed (--out), and memory.
    int thread_result = -1;
    std::thread worker([&] { thread_result = 0; });
    worker.join();
    if (thread_result != 0) return 1;
    const int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (udp < 0) return 2;
    ::close(udp);
    std::string path = pattern;
    const int file = ::mkstemp(path.data());
    if (file < 0 || ::write(file, "x", 1) != 1 || ::fsync(file) != 0) return 3;
    ::close(file);
    const std::string renamed = path + ".done";
    if (::rename(path.c_str(), renamed.c_str()) != 0) return 4;
    if (::unlink(renamed.c_str()) != 0) return 5;
    void* memory = std::malloc(64 << 20);
    if (memory == nullptr) return 6;
    std::free(memory);
    return 0;
  });
  CHECK(exit_code(status) == 0);
}

namespace {

// A loopback port nobody uses now (bound by the kernel's choice, then released), for TCP and UDP.
std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string invite(int n) {
  return "INVITE sip:bob@example.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" + std::to_string(n) +
         "\r\nFrom: <sip:alice@example.test>;tag=a\r\nTo: <sip:bob@example.test>\r\nCall-ID: seccomp-" +
         std::to_string(n) + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
}

}  // namespace

TEST_CASE("steady-state filter: HEP's sockets work under it (sender connects, listener accepts)") {
  // `live --hep-listen` and `--hep-out` run under the filter: the sender's thread connects (TCP)
  // and sends after it is installed, the listener accepts and receives. Both are opened before,
  // as in `live`; the filter goes in between.
  const bool tcp = GENERATE(true, false);
  const int status = run_setup_then_filtered([tcp] {
    const std::uint16_t port = free_loopback_port();
    auto address = resolve_socket_address("127.0.0.1:" + std::to_string(port), kHepDefaultPort, "test");
    if (!address) return 10;
    auto listener = HepListener::open(*address);
    if (!listener) return 11;
    Engine receiver(EngineConfig{.ports = {5060}, .wall_clock = true});
    HepIngest ingest(HepIngestConfig{}, receiver);
    HepSenderSettings settings;
    std::memcpy(&settings.address, &address->storage, sizeof settings.address);
    settings.address_length = address->length;
    settings.address_text = address->text;
    settings.transport = tcp ? HepTransport::tcp : HepTransport::udp;
    auto sender = HepSender::start(std::move(settings));
    if (!sender) return 12;
    Engine capture(EngineConfig{.ports = {5060}, .observer = sender->get()});
    if (!install_steady_state_filter()) return kFilterFailed;
    // From here on, under the filter.
    constexpr int kMessages = 3;
    for (int i = 0; i < kMessages; ++i) {
      const auto frame = test::sip_udp_frame(invite(i));
      capture.on_frame(test::make_frame(frame, LinkType::ethernet, 1'700'000'000'000'000'000 + i));
    }
    for (int round = 0; round < 500 && receiver.report().capture.sip_messages < kMessages; ++round) {
      (*listener)->drain(ingest);
      ::usleep(10'000);
    }
    (*sender)->finish(2);
    if ((*sender)->report().sent != kMessages) return 13;
    return receiver.report().capture.sip_messages == kMessages ? 0 : 14;
  });
  CHECK(exit_code(status) == 0);
}

}  // namespace sipmon
