#include "live/live_outputs.h"

#include <utility>

#include "outputs/atomic_file.h"
#include "outputs/json_report.h"
#include "outputs/text_summary.h"

namespace sipmon {

LiveOutputs::LiveOutputs(LiveOutputsConfig config, MetricsOutputs& metrics, const InterfaceTracker& tracker,
                         std::ostream& out, std::ostream& log, LiveCallOutputs calls)
    : config_(std::move(config)), metrics_(metrics), tracker_(tracker), out_(out), log_(log), calls_(calls) {}

void LiveOutputs::refresh(const Report& report) {
  metrics_.metrics().update(report);
  if (report.capture.live) {
    metrics_.metrics().update_capture_drops(report.capture.live->drops);
    metrics_.metrics().update_kernel_encapsulations(report.capture.live->kernel);
  }
  metrics_.metrics().update_capture_interfaces(tracker_.status(InterfaceTracker::Clock::now()));
  if (calls_.failure_metrics) calls_.failure_metrics->update(*calls_.failures);
}

bool LiveOutputs::write_report(const Report& report) {
  if (config_.report_path.empty()) return true;
  if (auto written = write_file_atomically(config_.report_path, render_json_report(report)); !written) {
    log_ << "sipmon: " << written.error().message << "\n";
    return false;
  }
  return true;
}

void LiveOutputs::rewrite_report(const Report& report) { write_report(report); }

void LiveOutputs::status(const Report& report) {
  log_ << "sipmon: status: " << render_status_line(report) << std::endl;
}

bool LiveOutputs::deliver_final(const Report& report) {
  refresh(report);
  // Files first, the network last (bounded by --push-timeout): a hung gateway costs its push,
  // never the report.
  const bool written = write_report(report);
  out_ << (config_.json ? render_json_report(report) : render_text_summary(report)) << std::flush;
  return written;
}

bool LiveOutputs::deliver_final_remote() {
  // The records written at the end (Engine::finish) are in the last push.
  if (calls_.failure_metrics) calls_.failure_metrics->update(*calls_.failures);
  if (auto pushed = metrics_.stop_periodic_push(); !pushed) {
    log_ << "sipmon: final " << pushed.error().message << "\n";
    return false;
  }
  return true;
}

void LiveOutputs::reopen() {
  if (!calls_.file) return;
  if (auto reopened = calls_.file->reopen(); !reopened) log_ << "sipmon: " << reopened.error().message << "\n";
}

}  // namespace sipmon
