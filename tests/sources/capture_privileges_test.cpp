// --user: the account is looked up by name, and after drop_privileges() a process started as
// root has that uid, no capability, and can no longer read /etc/shadow. Run in a forked child
// (ids cannot come back); the switch needs root, without it that case is skipped with a warning.
#include <catch2/catch.hpp>

#include <cerrno>
#include <fstream>
#include <string>

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sources/capture_privileges.h"
#include "support/catch_session.h"

namespace sipmon {

TEST_CASE("find_user: known accounts, unknown names and root") {
  const passwd* nobody = ::getpwnam("nobody");
  REQUIRE(nobody != nullptr);  // Debian always has it
  auto found = find_user("nobody");
  REQUIRE(found);
  CHECK(found->uid == nobody->pw_uid);
  CHECK(found->gid == nobody->pw_gid);

  auto unknown = find_user("i16b-no-such-user");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().kind == ErrorKind::usage);
  CHECK(unknown.error().message.find("no such user") != std::string::npos);

  auto root = find_user("root");
  REQUIRE_FALSE(root);
  CHECK(root.error().message.find("root") != std::string::npos);
}

TEST_CASE("drop_privileges with a user: root's files are out of reach afterwards") {
  if (::geteuid() != 0) {
    test::skip("not root: the --user switch is not tested");
    return;
  }
  REQUIRE(::open("/etc/shadow", O_RDONLY | O_CLOEXEC) >= 0);  // the premise: root reads it
  auto nobody = find_user("nobody");
  REQUIRE(nobody);
  const pid_t child = ::fork();
  if (child == 0) {
    if (!drop_privileges(*nobody)) ::_exit(10);
    if (::getuid() != nobody->uid || ::geteuid() != nobody->uid || ::getgid() != nobody->gid) ::_exit(11);
    if (::setuid(0) == 0) ::_exit(12);  // the saved uid is gone too
    const int fd = ::open("/etc/shadow", O_RDONLY | O_CLOEXEC);
    if (fd >= 0 || errno != EACCES) ::_exit(13);
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
      if ((line.rfind("CapEff:", 0) == 0 || line.rfind("CapPrm:", 0) == 0) &&
          line.find("0000000000000000") == std::string::npos) {
        ::_exit(14);
      }
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace sipmon
