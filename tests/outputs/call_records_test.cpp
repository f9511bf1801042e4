#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "outputs/call_records.h"

using namespace sipmon;

namespace {

std::string write_records(const std::string& text) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("i18-records-" + std::to_string(::getpid()) + ".jsonl")).string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("call records: Call-IDs by outcome, blank lines skipped", "[outputs][records]") {
  const std::string path = write_records(
      "{\"call_id\": \"a@x\", \"outcome\": \"answered\", \"duration_s\": 3}\n"
      "\n"
      "{\"call_id\": \"b@x\", \"outcome\": \"busy\"}\n"
      "{\"call_id\": \"c@x\", \"outcome\": \"failed\"}\n");
  CHECK(*read_call_ids(path, {}) == std::vector<std::string>{"a@x", "b@x", "c@x"});
  CHECK(*read_call_ids(path, {"busy", "failed"}) == std::vector<std::string>{"b@x", "c@x"});
  CHECK(read_call_ids(path, {"timeout"})->empty());
  std::filesystem::remove(path);
}

TEST_CASE("call records: a bad line is an input error naming file and line", "[outputs][records]") {
  const std::string path = write_records("{\"call_id\": \"a\", \"outcome\": \"busy\"}\n[1, 2]\n");
  auto read = read_call_ids(path, {});
  REQUIRE_FALSE(read);
  CHECK(read.error().message.find(path + ":2:") != std::string::npos);
  std::ofstream(path) << "{\"call_id\": 7}\n";
  CHECK_FALSE(read_call_ids(path, {}));
  std::ofstream(path) << "{\"call_id\": \"a\"}\n";
  CHECK(read_call_ids(path, {})->size() == 1);
  CHECK_FALSE(read_call_ids(path, {"busy"}));  // filtering needs an outcome
  std::filesystem::remove(path);
  CHECK_FALSE(read_call_ids(path, {}));  // missing file
}
