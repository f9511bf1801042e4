#include "outputs/json_report.h"

#include "analysis/time_format.h"
#include "sipmon/version.h"

namespace sipmon {
namespace {

using Json = nlohmann::ordered_json;

Json timestamp(const std::optional<std::int64_t>& ts_ns) {
  return ts_ns ? Json(format_rfc3339_us(*ts_ns)) : Json(nullptr);
}

Json counts(const std::map<std::string, std::uint64_t>& map) {
  Json object = Json::object();
  for (const auto& [key, value] : map) object[key] = value;
  return object;
}

Json capture_to_json(const CaptureReport& capture) {
  Json read_errors = Json::array();
  for (const ReadError& error : capture.read_errors) {
    read_errors.push_back(Json{{"file", error.file}, {"packet", error.packet}, {"error", error.message}});
  }
  Json json{
      {"files", capture.files},
      {"packets", capture.packets},
      {"bytes", capture.bytes},
      {"first_ts", timestamp(capture.first_ts_ns)},
      {"last_ts", timestamp(capture.last_ts_ns)},
      {"sip_messages", capture.sip_messages},
      {"sip_packets", capture.sip_packets},
      {"keepalives", capture.keepalives},
      {"non_sip", capture.non_sip},
      {"non_sip_by_reason", counts(capture.non_sip_by_reason)},
      {"malformed", capture.malformed},
      {"malformed_by_reason", counts(capture.malformed_by_reason)},
      {"unsupported_link", capture.unsupported_link},
      {"unsupported_link_by_type", counts(capture.unsupported_link_by_type)},
      {"read_errors", read_errors},
  };
  if (capture.live) {
    json["source"] = capture.live->source;
    json["interfaces"] = capture.live->interfaces;
    json["kernel"] = counts(capture.live->kernel);
    json["drops"] = counts(capture.live->drops);
  }
  return json;
}

}  // namespace

Json report_to_json(const Report& report) {
  return Json{
      {"schema_version", Report::kSchemaVersion},
      {"sipmon_version", kVersion},
      {"capture", capture_to_json(report.capture)},
      {"requests", counts(report.requests)},
      {"responses", counts(report.responses)},
  };
}

std::string render_json_report(const Report& report) { return report_to_json(report).dump(2) + "\n"; }

}  // namespace sipmon
