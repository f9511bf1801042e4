#include "check/report_document.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "check/figure_rules.h"

namespace sipmon {
namespace {

// A report is four levels deep; anything far deeper is not a report and must not exhaust the
// stack of the recursive flattening below.
constexpr int kMaxDepth = 32;
// Reports are kilobytes; a baseline this large is a wrong file, not a report to load into memory.
constexpr std::streamoff kMaxReportBytes = 16 * 1024 * 1024;

// The deepest bracket nesting of a JSON text, found by a scan that allocates nothing: a file of
// millions of '[' is turned away before the parser builds millions of nodes for it.
int nesting_depth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // skip the escaped character
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// The parser quotes the bytes it stopped at; a binary file must not send them to the terminal.
std::string printable(std::string text) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return text;
}

bool flatten(const ReportJson& node, std::string& path, int depth, std::vector<Figure>& out) {
  if (depth > kMaxDepth) return false;
  const std::size_t base = path.size();
  auto descend = [&](std::string_view key, const ReportJson& child) {
    if (base != 0) path += '.';
    path += key;
    const bool ok = flatten(child, path, depth + 1, out);
    path.resize(base);
    return ok;
  };
  if (node.is_object()) {
    for (const auto& [key, child] : node.items()) {
      if (!descend(key, child)) return false;
    }
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (!descend(std::to_string(i), node[i])) return false;
    }
  } else {
    out.push_back(Figure{path, node});
  }
  return true;
}

}  // namespace

const ReportJson* ReportDocument::find(std::string_view path) const {
  const auto it = by_path.find(std::string(path));
  return it == by_path.end() ? nullptr : &figures[it->second].value;
}

const Figure* ReportDocument::first_figure_under(std::string_view path) const {
  // Paths under `path` sort right after "path." in the map.
  const std::string prefix = std::string(strip_wildcard(path)) + ".";
  const auto it = by_path.lower_bound(prefix);
  if (it == by_path.end() || !it->first.starts_with(prefix)) return nullptr;
  return &figures[it->second];
}

Expected<ReportDocument> parse_report_document(std::string text, std::string name) {
  if (nesting_depth(text) > kMaxDepth) {
    return make_error(ErrorKind::input, name + ": not a sipmon report (nested more than 32 levels deep)");
  }
  ReportJson json;
  try {
    json = ReportJson::parse(text);
  } catch (const ReportJson::parse_error& e) {
    // e.what() reads "[json.exception.parse_error.101] parse error at line 1, column 1: ...".
    std::string what = e.what();
    if (const std::size_t at = what.find("] "); at != std::string::npos) what = what.substr(at + 2);
    return make_error(ErrorKind::input, name + ": not a JSON report: " + printable(what));
  }
  if (!json.is_object() || !json.contains("schema_version")) {
    return make_error(ErrorKind::input,
                      name + ": not a sipmon report (no schema_version; write one with 'sipmon replay --json')");
  }
  const ReportJson& version = json["schema_version"];
  if (!version.is_number_integer() || version.get<std::int64_t>() < 1 || version.get<std::int64_t>() > 1'000'000) {
    return make_error(ErrorKind::input, name + ": not a sipmon report (schema_version is not a positive integer)");
  }

  ReportDocument document;
  document.name = std::move(name);
  document.schema_version = static_cast<int>(version.get<std::int64_t>());
  std::string path;
  if (!flatten(json, path, 0, document.figures)) {
    return make_error(ErrorKind::input, document.name + ": not a sipmon report (nested more than 32 levels deep)");
  }
  for (std::size_t i = 0; i < document.figures.size(); ++i) {
    document.by_path[document.figures[i].path] = i;
  }
  document.text = std::move(text);
  return document;
}

Expected<ReportDocument> load_report_document(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored))
    return make_error(ErrorKind::input, path + ": is a directory, not a report");
  std::ifstream file(path, std::ios::binary);
  if (!file) return make_error(ErrorKind::input, path + ": cannot read: " + std::strerror(errno));
  file.seekg(0, std::ios::end);
  const std::streamoff size = file.tellg();
  if (size < 0) return make_error(ErrorKind::input, path + ": cannot read (not a regular file?)");
  if (size > kMaxReportBytes) return make_error(ErrorKind::input, path + ": not a sipmon report (larger than 64 MiB)");
  file.seekg(0);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!file.read(text.data(), size)) return make_error(ErrorKind::input, path + ": cannot read");
  return parse_report_document(std::move(text), path);
}

std::string format_figure(const ReportJson& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

std::string format_figure(const std::optional<ReportJson>& value) { return value ? format_figure(*value) : "(absent)"; }

}  // namespace sipmon
