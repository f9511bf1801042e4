// Catch2 v2's implementation (CATCH_CONFIG_RUNNER: everything but main) and the one entry point
// the test binaries' main() functions call.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "support/catch_session.h"

int sipmon::test::run_catch_session(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
