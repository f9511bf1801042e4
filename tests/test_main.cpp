// main() of sipmon_tests: Catch2's own runner (support/catch_session.cpp).
#include "support/catch_session.h"

int main(int argc, char* argv[]) { return sipmon::test::run_catch_session(argc, argv); }
