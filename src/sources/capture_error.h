#pragma once
// Why a capture could not be set up. Missing privileges are told apart from other failures
// because the command answers them with the capabilities to grant, and because nothing else
// (another source, another interface) will work either.
#include <string>
#include <utility>

#include "analysis/error.h"

namespace sipmon {

struct CaptureOpenError {
  Error error;
  bool permission_denied = false;
};

// The failed result of a set-up step, as the sources' tl::expected results carry it.
inline tl::unexpected<CaptureOpenError> capture_open_failed(ErrorKind kind, std::string message,
                                                            bool permission_denied = false) {
  return tl::unexpected<CaptureOpenError>(CaptureOpenError{Error{kind, std::move(message)}, permission_denied});
}

}  // namespace sipmon
