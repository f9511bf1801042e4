#pragma once
// Live capture needs privileges only while it sets up (load the BPF program, open packet
// sockets); these helpers name what is missing and give the rest up afterwards: capabilities,
// and with --user the root identity itself.
#include <optional>
#include <string>

#include <sys/types.h>

#include "analysis/error.h"

namespace sipmon {

// True for the errno values a missing capability produces (EPERM, EACCES).
bool is_permission_errno(int error_number);

// The one message an operator sees when capture set-up is refused.
std::string missing_privileges_message(const std::string& what_failed);

// The account `--user NAME` switches to, looked up while the password database can still be read.
struct RunAsUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};
Expected<RunAsUser> find_user(const std::string& name);

// Gives up everything set-up needed, in the only order that works: the bounding set first (it
// shrinks only while CAP_SETPCAP is held), then the identity (setgroups/setgid/setuid need
// CAP_SETGID/CAP_SETUID), then every remaining capability, then no_new_privs. Nothing is kept:
// the steady state runs on descriptors opened during set-up, and re-binding an existing packet
// socket to a re-created interface needs no capability (docs/live.md, "Interfaces that go away").
// Switching to `user` from a process that is not root fails with a clear error.
Expected<void> drop_privileges(const std::optional<RunAsUser>& user);

}  // namespace sipmon
