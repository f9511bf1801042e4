#pragma once
// The short human summary `sipmon replay` prints when no --json is asked for: what was read, what
// the calls became (every outcome, every INVITE failure code with its phrase), responses per
// method, rates and delays in units people read (ms below a second).
#include <optional>
#include <string>

#include "analysis/report.h"

namespace sipmon {

std::string render_text_summary(const Report& report);

// One line for `live`'s periodic status: "12034 packets, 8120 SIP messages, 310 attempts,
// SER 98.1%, 0 drops" (drops: packets lost before the engine, live capture only).
std::string render_status_line(const Report& report);

// "0.120 ms", "75.00 ms", "250.0 ms", "1.500 s", or "-" without a value: delays below a second
// in milliseconds, so that loopback figures do not read "0.000 s".
std::string format_delay(std::optional<double> seconds);

}  // namespace sipmon
