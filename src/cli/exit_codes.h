#pragma once
// The one table of exit codes. Every command ends through these.
namespace sipmon {

enum ExitCode : int {
  kExitOk = 0,            // success
  kExitCheckFailed = 1,   // `check`: a figure regressed or a threshold was not met
  kExitUsage = 2,         // usage or input error: bad flag, missing/unreadable file, not a capture,
                          // an output path that cannot be written (found at start)
  kExitOutputFailed = 3,  // the analysis ran but an output was lost: a push failed or timed out, or a
                          // file could not be written at the end (the message names which)
};

}  // namespace sipmon
