#pragma once
// Live capture needs privileges only while it sets up (load the BPF program, open packet
// sockets); these helpers name what is missing and give the rest up afterwards.
#include <string>

#include "analysis/error.h"

namespace sipmon {

// True for the errno values a missing capability produces (EPERM, EACCES).
bool is_permission_errno(int error_number);

// The one message an operator sees when capture set-up is refused.
std::string missing_privileges_message(const std::string& what_failed);

// Drops every capability (effective, permitted, inheritable, ambient, bounding set) and sets
// no_new_privs: after set-up, capture runs on open file descriptors and mapped memory only.
Expected<void> drop_capabilities();

}  // namespace sipmon
