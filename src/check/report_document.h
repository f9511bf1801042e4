#pragma once
// A JSON report read back for comparison: the parsed tree and its figures flattened to dotted
// paths ("rfc6076.srd.p90", "responses.503"), in the order the report lists them, so that every
// rendering of a comparison is deterministic.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/error.h"

namespace sipmon {

using ReportJson = nlohmann::ordered_json;

struct Figure {
  std::string path;
  ReportJson value;  // a scalar: number, string, boolean or null
};

struct ReportDocument {
  std::string name;  // file name, or a description such as "the current traffic"
  std::string text;  // as read, so that --update-baseline can write it back unchanged
  int schema_version = 0;
  std::vector<Figure> figures;                 // report order
  std::map<std::string, std::size_t> by_path;  // path -> index in figures

  const ReportJson* find(std::string_view path) const;
  // The first figure (in path order) under `path`, when `path` names a section, not a figure.
  const Figure* first_figure_under(std::string_view path) const;
};

// Parses a report; errors name `name` and say what is wrong (not JSON, not a sipmon report,
// nested too deeply).
Expected<ReportDocument> parse_report_document(std::string text, std::string name);
Expected<ReportDocument> load_report_document(const std::string& path);

// A figure as the table and the JUnit file show it: numbers as the report writes them.
std::string format_figure(const ReportJson& value);
// The same for a figure the report may lack: "(absent)" then.
std::string format_figure(const std::optional<ReportJson>& value);

}  // namespace sipmon
