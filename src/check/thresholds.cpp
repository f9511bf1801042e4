#include "check/thresholds.h"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "analysis/text.h"
#include "check/compare_options.h"
#include "check/figure_rules.h"

namespace sipmon {
namespace {

// Two-character operators first, so that ">=" is not read as ">" followed by "=5".
constexpr std::array<std::pair<std::string_view, ThresholdOp>, 6> kOps{{
    {">=", ThresholdOp::greater_equal},
    {"<=", ThresholdOp::less_equal},
    {"==", ThresholdOp::equal},
    {"!=", ThresholdOp::not_equal},
    {">", ThresholdOp::greater},
    {"<", ThresholdOp::less},
}};

Error syntax_error(std::string_view spec, std::string_view why) {
  return Error{ErrorKind::usage, "invalid --expect '" + std::string(spec) + "': " + std::string(why) +
                                     " (expected PATH OP VALUE, OP one of >= <= > < == !=, e.g. 'rfc6076.ser>=95')"};
}

bool holds(double figure, ThresholdOp op, double value) {
  switch (op) {
    case ThresholdOp::greater_equal:
      return figure >= value;
    case ThresholdOp::less_equal:
      return figure <= value;
    case ThresholdOp::greater:
      return figure > value;
    case ThresholdOp::less:
      return figure < value;
    case ThresholdOp::equal:
      return figure == value;
    case ThresholdOp::not_equal:
      return figure != value;
  }
  return false;
}

}  // namespace

std::string_view threshold_op_text(ThresholdOp op) {
  for (const auto& [text, candidate] : kOps) {
    if (candidate == op) return text;
  }
  return "?";
}

std::string Threshold::text() const { return path + " " + std::string(threshold_op_text(op)) + " " + value_text; }

Expected<Threshold> parse_threshold(std::string_view spec) {
  const std::size_t at = spec.find_first_of("<>=!");
  if (at == std::string_view::npos) return tl::unexpected(syntax_error(spec, "no comparison operator"));
  Threshold threshold;
  std::size_t op_length = 0;
  for (const auto& [text, op] : kOps) {
    if (spec.substr(at).starts_with(text)) {
      threshold.op = op;
      op_length = text.size();
      break;
    }
  }
  if (op_length == 0) {
    return tl::unexpected(
        syntax_error(spec, spec[at] == '=' ? "'=' is not an operator, use '=='" : "unknown operator"));
  }
  const std::string_view path = trim(spec.substr(0, at));
  const std::string_view value = trim(spec.substr(at + op_length));
  if (path.empty()) return tl::unexpected(syntax_error(spec, "no path before the operator"));
  if (!is_valid_figure_path(path))
    return tl::unexpected(syntax_error(spec, "'" + std::string(path) + "' is not a dotted report path"));
  if (value.empty()) return tl::unexpected(syntax_error(spec, "no value after the operator"));
  // A leading '+' is not accepted by from_chars; allow it since people write "+5".
  const std::string_view digits = value.front() == '+' ? value.substr(1) : value;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), threshold.value);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
      !std::isfinite(threshold.value)) {
    return tl::unexpected(syntax_error(spec, "'" + std::string(value) + "' is not a number"));
  }
  threshold.path = path;
  threshold.value_text = value;
  return threshold;
}

ThresholdResult evaluate_threshold(const Threshold& threshold, const ReportDocument& report) {
  ThresholdResult result;
  result.threshold = threshold;
  const ReportJson* figure = report.find(threshold.path);
  const ReportJson zero(0);
  if (!figure && is_count_map_entry(threshold.path)) figure = &zero;  // count maps leave zeros out
  if (!figure) {
    result.outcome = ThresholdOutcome::error;
    if (const Figure* example = report.first_figure_under(threshold.path)) {
      result.message = threshold.path + " is a section of the report, not a figure (e.g. " + example->path + ")";
    } else {
      const std::string top = threshold.path.substr(0, threshold.path.find('.'));
      result.message = "no figure " + threshold.path + " in the report";
      if (top != threshold.path && !report.find(top) && !report.first_figure_under(top)) {
        result.message += " (it has no '" + top + "' section)";
      }
    }
    return result;
  }
  result.value = *figure;
  if (figure->is_null()) {
    result.outcome = ThresholdOutcome::failed;
    result.message = threshold.path + " is null (not measured: nothing to divide by or no sample), so '" +
                     threshold.text() + "' does not hold";
    return result;
  }
  if (!figure->is_number()) {
    result.outcome = ThresholdOutcome::error;
    result.message = threshold.path + " is " + figure->dump() + ", not a number";
    return result;
  }
  if (!holds(figure->get<double>(), threshold.op, threshold.value)) {
    result.outcome = ThresholdOutcome::failed;
    result.message = threshold.path + " is " + format_figure(*figure) + ", so '" + threshold.text() + "' does not hold";
  }
  return result;
}

}  // namespace sipmon
