#include "outputs/call_records.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

namespace sipmon {

Expected<std::vector<std::string>> read_call_ids(const std::string& path, const std::vector<std::string>& outcomes) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorKind::input, path + ": cannot open: " + std::strerror(errno));
  std::vector<std::string> ids;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(number) + ": ";
    const nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object()) {
      return make_error(ErrorKind::input, where + "not a JSON object (a call record per line is expected)");
    }
    const auto call_id = record.find("call_id");
    if (call_id == record.end() || !call_id->is_string()) {
      return make_error(ErrorKind::input, where + "the record has no \"call_id\" string");
    }
    if (!outcomes.empty()) {
      const auto outcome = record.find("outcome");
      if (outcome == record.end() || !outcome->is_string()) {
        return make_error(ErrorKind::input, where + "the record has no \"outcome\" string");
      }
      if (std::find(outcomes.begin(), outcomes.end(), outcome->get<std::string>()) == outcomes.end()) continue;
    }
    ids.push_back(call_id->get<std::string>());
  }
  if (in.bad()) return make_error(ErrorKind::input, path + ": read error: " + std::strerror(errno));
  return ids;
}

}  // namespace sipmon
