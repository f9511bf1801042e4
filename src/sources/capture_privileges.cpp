#include "sources/capture_privileges.h"

#include <cerrno>
#include <cstring>

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sipmon {

bool is_permission_errno(int error_number) { return error_number == EPERM || error_number == EACCES; }

std::string missing_privileges_message(const std::string& what_failed) {
  return what_failed +
         ". Live capture needs CAP_BPF, CAP_NET_RAW and CAP_PERFMON (or root); "
         "the libpcap source (--source pcap) needs CAP_NET_RAW. Run as root, or grant them with "
         "systemd (deploy/sipmon.service) or setcap (docs/live.md).";
}

Expected<void> drop_capabilities() {
  // The bounding set can only shrink while CAP_SETPCAP is still held, so it goes first; EINVAL
  // marks the end of the capabilities this kernel knows.
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return make_error(ErrorKind::io, std::string("cannot clear ambient capabilities: ") + std::strerror(errno));
  }
  for (int cap = 0; cap <= 63; ++cap) {
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) break;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EPERM) break;
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capset, &header, data) != 0) {
    return make_error(ErrorKind::io, std::string("cannot drop capabilities: ") + std::strerror(errno));
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return make_error(ErrorKind::io, std::string("cannot set no_new_privs: ") + std::strerror(errno));
  }
  return {};
}

}  // namespace sipmon
