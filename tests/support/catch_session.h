#pragma once
// Catch2's runner, compiled once (support/catch_session.cpp) for both test binaries: Catch2 v2's
// implementation is by far the slowest file of the suite to compile.
namespace sipmon::test {

// Runs the tests the command line selects, as Catch::Session().run does; returns the exit code.
int run_catch_session(int argc, char* argv[]);

}  // namespace sipmon::test
