// main() of sipmon_root_tests: the tests only root can run (the kernel runs the BPF filter
// through BPF_PROG_TEST_RUN). Catch2 v2 has no SKIP, so when not root the whole binary exits
// SIPMON_SKIP_CODE, which ctest reports as skipped, never as passed. Listing the tests (what
// catch_discover_tests does at build time) works for anyone.
#include <cstring>
#include <iostream>

#include <unistd.h>

#include "support/catch_session.h"

int main(int argc, char* argv[]) {
  bool listing = false;
  for (int i = 1; i < argc; ++i) listing = listing || std::strncmp(argv[i], "--list", 6) == 0;
  if (!listing && geteuid() != 0) {
    std::cout << "SKIPPED: the BPF filter tests need root (the kernel loads and runs the program)\n";
    return SIPMON_SKIP_CODE;
  }
  return sipmon::test::run_catch_session(argc, argv);
}
