#pragma once
// Reports of engines that saw disjoint parts of one traffic, added into the report of all of it:
// the typed sum behind `sipmon merge` (outputs/report_merge.cpp, over the JSON reports of shards)
// and `replay --threads N` (cli/sharded_replay.cpp, over the reports of its engines).
// Counts add, delays merge exactly (delay_sketch.h), series intervals with the same start add up.
#include "analysis/report.h"

namespace sipmon {

// The RFC 6076 figures: counts and closed outcomes add, delay histograms merge.
void add_figures(Rfc6076Report& total, const Rfc6076Report& part);

// Everything a replay's engine counts. Not summed: `capture.files` and `capture.read_errors` (the
// caller's), the live-only sections. `media` is taken from the one part that has it (it cannot be
// summed exactly: its statistics are over a capped sample); with two, counts add and the
// statistics of the first stand. A series interval's `calls_active_max` adds: an upper bound.
void add_report(Report& total, const Report& part);

}  // namespace sipmon
