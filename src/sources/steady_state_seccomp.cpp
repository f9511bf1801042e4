#include "sources/steady_state_seccomp.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include <linux/bpf.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/socket.h>

namespace sipmon {
namespace {

// The comparison libseccomp's SCMP_A0 macro builds, as C++: the macro is a C compound literal with
// fields left out, which clang's -Wpedantic and -Wextra warn about.
scmp_arg_cmp first_argument(scmp_compare op, scmp_datum_t datum_a, scmp_datum_t datum_b = 0) {
  return scmp_arg_cmp{0, op, datum_a, datum_b};
}

// What the steady state calls (strace -f of `sipmon live` with --listen, --push, --out and
// --report-interval, scraped and pushed to, on glibc 2.36 / Linux 6.1), grouped by who needs it.
constexpr const char* kAllowed[] = {
    // memory and threads (glibc malloc arenas, prometheus-cpp, civetweb, libcurl's resolver)
    "brk",
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "madvise",
    "futex",
    "set_robust_list",
    "rseq",
    "sched_yield",
    "sched_getaffinity",
    "getrandom",
    "membarrier",
    // the event loop: ring buffer epoll, signalfd, timerfds, libpcap's poll
    "epoll_wait",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_ctl",
    "epoll_create1",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "read",
    "readv",
    "pread64",
    "write",
    "writev",
    "pwrite64",
    "close",
    "timerfd_settime",
    "timerfd_gettime",
    "eventfd2",
    "pipe2",
    "dup",
    "dup3",
    "fcntl",
    "ioctl",
    "lseek",
    // time and identity (mostly the vDSO; the syscalls when it is missing)
    "clock_gettime",
    "clock_getres",
    "gettimeofday",
    "time",
    "nanosleep",
    "clock_nanosleep",
    "getpid",
    "gettid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "uname",
    "sysinfo",
    "getrusage",
    "prlimit64",
    // signals (SIGPIPE-free sends, abort() on a bug)
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sigaltstack",
    "tgkill",
    "restart_syscall",
    // sockets: /metrics (civetweb), pushes (libcurl), name resolution, the packet sockets' re-binding
    "accept",
    "accept4",
    "bind",
    "listen",
    "connect",
    "getsockname",
    "getpeername",
    "getsockopt",
    "setsockopt",
    "recvfrom",
    "recvmsg",
    "recvmmsg",
    "sendto",
    "sendmsg",
    "sendmmsg",
    "shutdown",
    "socketpair",
    // files: --out written atomically (temporary file, fsync, rename), resolver configuration
    "openat",
    "newfstatat",
    "fstat",
    "statx",
    "access",
    "faccessat",
    "faccessat2",
    "readlink",
    "getcwd",
    "fsync",
    "fdatasync",
    "rename",
    "renameat",
    "renameat2",
    "unlink",
    "unlinkat",
    "fchmod",
    "ftruncate",
    // the end
    "exit",
    "exit_group",
};

// Never made by sipmon once it runs: an attempt is an intrusion, and the process stops at once.
constexpr const char* kKilled[] = {
    "execve",
    "execveat",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "setuid",
    "setgid",
    "setreuid",
    "setregid",
    "setresuid",
    "setresgid",
    "setgroups",
    "capset",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "perf_event_open",
    "userfaultfd",
    "fork",
    "vfork",
};

constexpr int kSocketDomains[] = {AF_INET, AF_INET6, AF_UNIX, AF_NETLINK};

struct FilterContext {
  void operator()(scmp_filter_ctx context) const { seccomp_release(context); }
};

Expected<void> failed(const std::string& what, int result) {
  return make_error(ErrorKind::io, "seccomp: " + what + ": " + std::strerror(-result));
}

}  // namespace

Expected<void> install_steady_state_filter() {
  std::unique_ptr<void, FilterContext> context(seccomp_init(SCMP_ACT_ERRNO(EPERM)));
  if (!context) return make_error(ErrorKind::io, "seccomp: cannot create a filter");
  scmp_filter_ctx filter = context.get();
  if (int result = seccomp_attr_set(filter, SCMP_FLTATR_CTL_TSYNC, 1); result != 0)
    return failed("thread sync", result);
  for (const char* name : kAllowed) {
    const int number = seccomp_syscall_resolve_name(name);
    if (number == __NR_SCMP_ERROR) continue;  // not on this architecture (e.g. "time" on arm64)
    if (int result = seccomp_rule_add(filter, SCMP_ACT_ALLOW, number, 0); result != 0) return failed(name, result);
  }
  for (const char* name : kKilled) {
    const int number = seccomp_syscall_resolve_name(name);
    if (number == __NR_SCMP_ERROR) continue;
    if (int result = seccomp_rule_add(filter, SCMP_ACT_KILL_PROCESS, number, 0); result != 0)
      return failed(name, result);
  }
  // Threads yes, processes no. clone3 takes its flags in memory a filter cannot read: ENOSYS
  // makes glibc fall back to clone, whose flags it can.
  if (int result = seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                                    first_argument(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
      result != 0) {
    return failed("clone", result);
  }
  if (int result = seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0); result != 0) {
    return failed("clone3", result);
  }
  // The kernel filter's per-CPU counters are read for every metrics refresh, and its media
  // endpoint map follows the calls' SDP (an element added or removed per endpoint), and the RTP
  // stream map is walked, read and pruned (issue 22); loading programs, attaching or creating maps
  // is set-up's business and stays refused.
  for (const auto command : {BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM, BPF_MAP_GET_NEXT_KEY}) {
    if (int result = seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(bpf), 1,
                                      first_argument(SCMP_CMP_EQ, static_cast<scmp_datum_t>(command)));
        result != 0) {
      return failed("bpf", result);
    }
  }
  for (int domain : kSocketDomains) {
    if (int result = seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                                      first_argument(SCMP_CMP_EQ, static_cast<scmp_datum_t>(domain)));
        result != 0) {
      return failed("socket", result);
    }
  }
  if (int result = seccomp_load(filter); result != 0) return failed("cannot load the filter", result);
  return {};
}

}  // namespace sipmon
