#pragma once
// Output files: written whole or not at all, so readers (a textfile collector, a CI job) never see
// half a report; checked at start-up, so a path that cannot be written fails before a capture
// rather than after it.
//
// What a path may name:
// - a regular file, or nothing yet: the content goes to a temporary file beside it (so rename()
//   stays within one file system), is fsync'ed, renamed over it, and the directory is fsync'ed.
//   An existing file keeps its mode; a new one gets 0666 less the umask, like any shell redirect.
// - a symlink: followed; its target is written (the operator's link stays a link).
// - a character device or a pipe (/dev/null, a FIFO): written directly, since renaming over it
//   would replace the device node with a regular file.
// - /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: a descriptor the process already has
//   open, appended to whatever it is (terminal, pipe, or the file a shell redirected it to).
#include <string>
#include <string_view>

#include "analysis/error.h"

namespace sipmon {

Expected<void> write_file_atomically(const std::string& path, std::string_view content);

// Whether write_file_atomically(path) can succeed, tried now with the process's present rights:
// the directory exists and a temporary file can be created in it (then removed), or the device
// or pipe opens for writing. Errors name the path and the reason (ErrorKind::io); `option`
// ("--out") prefixes the message.
Expected<void> check_output_path(const std::string& option, const std::string& path);

}  // namespace sipmon
