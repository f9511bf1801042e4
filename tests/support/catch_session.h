#pragma once
// Catch2's runner, compiled once (support/catch_session.cpp) for both test binaries: Catch2 v2's
// implementation is by far the slowest file of the suite to compile.
#include <string>

namespace sipmon::test {

// Runs the tests the command line selects, as Catch::Session().run does; returns the exit code,
// or SIPMON_SKIP_CODE when every test passed but one or more called skip(): ctest then reports the
// test file skipped, never passed.
int run_catch_session(int argc, char* argv[]);

// Says that the calling test cannot run here (a tool or the shared corpus missing, not root), for
// the caller to return after. Catch2 v2 has no SKIP of its own.
void skip(const std::string& reason);

}  // namespace sipmon::test
