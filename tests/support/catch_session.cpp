// Catch2 v2's implementation (CATCH_CONFIG_RUNNER: everything but main) and the one entry point
// the test binaries' main() functions call.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include "support/catch_session.h"

namespace {

// Every file a test writes goes under std::filesystem::temp_directory_path(); the runner points
// TMPDIR at a directory of this process's own and removes it when the tests end, so that a run
// leaves nothing behind and two runs (ctest -j) never share a file.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    const std::string pattern = (std::filesystem::temp_directory_path() / "sipmon-tests.XXXXXX").string();
    std::string buffer = pattern;
    if (::mkdtemp(buffer.data()) == nullptr) {
      std::cerr << "cannot create a scratch directory like " << pattern << "; tests write to "
                << std::filesystem::temp_directory_path() << '\n';
      return;
    }
    path_ = buffer;
    // mkdtemp makes it 0700; tests that give up root in a child (to check what an unprivileged
    // `sipmon live` may write) must still reach their files below it.
    std::filesystem::permissions(path_, std::filesystem::perms::others_exec | std::filesystem::perms::group_exec,
                                 std::filesystem::perm_options::add);
    ::setenv("TMPDIR", path_.c_str(), 1);
  }
  ~ScratchDirectory() {
    if (path_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

 private:
  std::string path_;
};

// What skip() was told, in order: printed, and the exit code made SIPMON_SKIP_CODE, after the run.
std::vector<std::string>& skip_reasons() {
  static std::vector<std::string> reasons;
  return reasons;
}

}  // namespace

void sipmon::test::skip(const std::string& reason) {
  skip_reasons().push_back(Catch::getResultCapture().getCurrentTestName() + ": " + reason);
}

int sipmon::test::run_catch_session(int argc, char* argv[]) {
  const ScratchDirectory scratch;
  const int status = Catch::Session().run(argc, argv);
  for (const std::string& reason : skip_reasons()) std::cout << "SKIPPED: " << reason << '\n';
  return status == 0 && !skip_reasons().empty() ? SIPMON_SKIP_CODE : status;
}
