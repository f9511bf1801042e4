#pragma once
// The seccomp filter live capture runs under once set-up is over (libseccomp). An allow-list of
// what the event loop, the metrics server and the push client use (found with strace on live
// runs; docs/live.md, "Steady state"), everything else refused:
//   - unlisted system calls fail with EPERM, so a path nobody traced on this host's libc or
//     kernel (a resolver detour, a newer variant of a call) costs one logged failure, not the
//     monitor;
//   - calls only an intruder makes (execve, ptrace, process_vm_*, setuid family, mount, kexec,
//     module loading...) kill the whole process at once (SIGSYS);
//   - new threads are allowed, new processes are not (clone without CLONE_THREAD), and clone3,
//     whose flags a filter cannot read, answers ENOSYS so the C library falls back to clone;
//   - bpf() only to read a map element (the kernel filter's counters);
//   - new sockets only for IPv4, IPv6, Unix and netlink (scrapes, pushes, name resolution):
//     never a packet socket.
// The filter covers every thread of the process (TSYNC) and every thread started later.
#include "analysis/error.h"

namespace sipmon {

Expected<void> install_steady_state_filter();

}  // namespace sipmon
