#pragma once
// What kind of figure a report path names, and so how `check` compares it. The rules follow the
// report contract (docs/report.md) by path, not by value, so they hold for sections that other
// layers add later (rfc6076, retransmissions, dialogs) without touching the comparison.
#include <string_view>

namespace sipmon {

enum class FigureKind {
  metadata,       // never compared: sipmon_version, schema_version, file names, timestamps, read errors
  exact,          // counts and anything else: any change fails
  higher_better,  // rfc6076 ser, seer, scr, asr, ner
  lower_better,   // rfc6076 isa, ira and every delay figure (mean, p50, p90, p99, max)
};

FigureKind classify_figure(std::string_view path);
std::string_view figure_kind_name(FigureKind kind);

// True for a key of a count map (requests, responses, *_by_reason, ...): the report leaves zero
// counts out of those maps, so an absent key there means 0, not "unknown figure".
bool is_count_map_entry(std::string_view path);

// Dotted-path prefix test on whole components: "capture" covers "capture.packets" but not
// "captures". A prefix written "rfc6076.srd.*" means the same as "rfc6076.srd".
bool path_has_prefix(std::string_view path, std::string_view prefix);
std::string_view strip_wildcard(std::string_view prefix);

}  // namespace sipmon
