#pragma once
// Why a capture could not be set up. Missing privileges are told apart from other failures
// because the command answers them with the capabilities to grant, and because nothing else
// (another source, another interface) will work either.
#include "analysis/error.h"

namespace sipmon {

struct CaptureOpenError {
  Error error;
  bool permission_denied = false;
};

}  // namespace sipmon
