#include "sources/capture_privileges.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sipmon {
namespace {

Error os_error(const std::string& what) { return Error{ErrorKind::io, what + ": " + std::strerror(errno)}; }

// setuid() changes only the calling thread's ids at the kernel level; glibc's wrapper broadcasts
// to every thread. Called before any thread starts either way, and checked afterwards.
Expected<void> switch_identity(const RunAsUser& user) {
  if (::geteuid() != 0) {
    return make_error(ErrorKind::usage, "--user " + user.name + " needs sipmon to be started as root");
  }
  const gid_t groups[1] = {user.gid};
  if (::setgroups(1, groups) != 0) return tl::unexpected(os_error("cannot set the groups of " + user.name));
  if (::setresgid(user.gid, user.gid, user.gid) != 0)
    return tl::unexpected(os_error("cannot switch to the group of " + user.name));
  if (::setresuid(user.uid, user.uid, user.uid) != 0)
    return tl::unexpected(os_error("cannot switch to user " + user.name));
  uid_t real = 0, effective = 0, saved = 0;
  if (::getresuid(&real, &effective, &saved) != 0 || real != user.uid || effective != user.uid || saved != user.uid) {
    return make_error(ErrorKind::io, "switching to user " + user.name + " did not take");
  }
  return {};
}

}  // namespace

bool is_permission_errno(int error_number) { return error_number == EPERM || error_number == EACCES; }

std::string missing_privileges_message(const std::string& what_failed) {
  return what_failed +
         ". Live capture needs CAP_BPF, CAP_NET_RAW and CAP_PERFMON (or root); "
         "the libpcap source (--source pcap) needs CAP_NET_RAW. Run as root, or grant them with "
         "systemd (deploy/sipmon.service) or setcap (docs/live.md).";
}

Expected<RunAsUser> find_user(const std::string& name) {
  // getpwnam_r with a buffer sized by sysconf: the reentrant form, no static state.
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  const int error = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (found == nullptr) {
    return make_error(ErrorKind::usage, "--user: no such user '" + name + "'" +
                                            (error != 0 ? std::string(" (") + std::strerror(error) + ")" : ""));
  }
  if (entry.pw_uid == 0)
    return make_error(ErrorKind::usage, "--user " + name + " is root: it would keep every file readable");
  return RunAsUser{name, entry.pw_uid, entry.pw_gid};
}

Expected<void> drop_privileges(const std::optional<RunAsUser>& user) {
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return tl::unexpected(os_error("cannot clear ambient capabilities"));
  }
  // EINVAL from PR_CAPBSET_READ marks the end of the capabilities this kernel knows; EPERM from
  // DROP means CAP_SETPCAP is not held (not root): nothing permitted can come back anyway.
  for (int cap = 0; cap <= 63; ++cap) {
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) break;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EPERM) break;
  }
  if (user) {
    if (auto switched = switch_identity(*user); !switched) return switched;
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capset, &header, data) != 0) return tl::unexpected(os_error("cannot drop capabilities"));
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return tl::unexpected(os_error("cannot set no_new_privs"));
  return {};
}

}  // namespace sipmon
