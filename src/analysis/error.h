#pragma once
// Recoverable errors travel as values (tl::expected) and become exit codes only at the CLI edge.
#include <string>

#include <tl/expected.hpp>

namespace sipmon {

enum class ErrorKind {
  usage,  // the command line asks for something impossible
  input,  // a file is missing, unreadable or not a capture
  io,     // an output could not be written
};

struct Error {
  ErrorKind kind = ErrorKind::input;
  std::string message;  // one line, names the problem and the file
};

template <typename T>
using Expected = tl::expected<T, Error>;

inline tl::unexpected<Error> make_error(ErrorKind kind, std::string message) {
  return tl::unexpected<Error>(Error{kind, std::move(message)});
}

}  // namespace sipmon
