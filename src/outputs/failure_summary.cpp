#include "outputs/failure_summary.h"

#include <sstream>

#include "outputs/status_phrase.h"

namespace sipmon {

std::string render_failure_summary(const FailureAnalysis& analysis) {
  const auto codes = analysis.final_codes();
  const auto causes = analysis.q850_causes();
  if (codes.empty() && causes.empty() && analysis.failed_attempts() == 0) return {};
  std::ostringstream out;
  out << "\nWhat failed (" << analysis.failed_attempts() << " failed, ineffective or timed-out attempts)\n";
  if (!codes.empty()) {
    out << "  final responses >= 300:\n";
    for (const auto& code : codes) {
      const std::string_view phrase =
          code.phrase.empty() ? standard_reason_phrase(code.code) : std::string_view(code.phrase);
      out << "    " << code.code << " " << phrase << ": " << code.count << "\n";
    }
  }
  if (!causes.empty()) {
    out << "  Q.850 causes (Reason headers):\n";
    for (const auto& [cause, count] : causes) out << "    cause " << cause << ": " << count << "\n";
  }
  const auto destinations = analysis.top_destinations(10);
  if (!destinations.empty()) {
    out << "  top destinations (Request-URI host) by failed attempts:\n";
    for (const auto& d : destinations) out << "    " << d.name << ": " << d.count << "\n";
  }
  const auto sources = analysis.top_sources(10);
  if (!sources.empty()) {
    out << "  top sources by failed attempts:\n";
    for (const auto& s : sources) out << "    " << s.name << ": " << s.count << "\n";
  }
  return out.str();
}

}  // namespace sipmon
