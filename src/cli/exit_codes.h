#pragma once
// The one table of exit codes. Every command ends through these.
namespace sipmon {

enum ExitCode : int {
  kExitOk = 0,           // success
  kExitCheckFailed = 1,  // `check`: a figure regressed or a threshold was not met
  kExitUsage = 2,        // usage or input error: bad flag, missing/unreadable file, not a capture
};

}  // namespace sipmon
