#pragma once
// How strictly `check` compares: relative tolerances (global and per path), absolute ones (per
// path), ignored paths, and whether improvements fail too.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/error.h"

namespace sipmon {

// Replays of one capture are byte-identical, so a baseline recorded from the same capture matches
// exactly whatever the tolerance; the tolerance is for comparing different runs of a test bed,
// where a few percent of jitter in delays and ratios is normal.
inline constexpr double kDefaultRelativeTolerance = 0.05;

// How far a figure may move from its baseline value b: a fraction of b (relative), or a fixed
// amount in the figure's own unit (absolute: seconds for delays, percentage points for ratios,
// units for counts). Sub-millisecond delays on a loopback test bed double from run to run, which
// no relative tolerance absorbs without also hiding real regressions of larger figures.
struct Tolerance {
  double value = 0;
  bool absolute = false;
  bool as_time = false;  // written with a time unit (s, ms, us): shown as one

  double slack(double baseline) const;  // the allowed distance from `baseline`
  std::string text() const;             // "5 %", "+5 ms" (given as a time), "+0.5"
};

struct PathTolerance {
  std::string path;  // a figure or a section prefix ("rfc6076.srd" covers rfc6076.srd.p90)
  Tolerance tolerance;
};

struct CompareOptions {
  double default_tolerance = kDefaultRelativeTolerance;
  std::vector<PathTolerance> tolerances;
  std::vector<std::string> ignored;  // figures or section prefixes left out
  bool strict = false;               // improvements and new figures fail too

  // The tolerance given for this path with --tolerance PATH=X (longest matching prefix), if any.
  std::optional<Tolerance> explicit_tolerance(std::string_view path) const;
  Tolerance tolerance(std::string_view path) const;
  bool is_ignored(std::string_view path) const;
};

// `--tolerance 0.1` (all ratios and delays) or `--tolerance rfc6076.srd.p90=0.05` (one path or
// prefix): relative, 0.05 allows 5 % worse than the baseline. `PATH=+5ms` (also s, us) or
// `PATH=+0.5` is absolute and replaces the relative tolerance for that path; it needs a path,
// since its unit is the figure's.
Expected<void> add_tolerance_spec(CompareOptions& options, std::string_view spec);
// `--ignore PATH`: a figure, or a prefix that leaves out a whole section.
Expected<void> add_ignore_spec(CompareOptions& options, std::string_view spec);

// A dotted path as users may write it: non-empty components, no spaces. Shared with --expect.
bool is_valid_figure_path(std::string_view path);

}  // namespace sipmon
