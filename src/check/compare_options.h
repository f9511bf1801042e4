#pragma once
// How strictly `check` compares: relative tolerances (global and per path), ignored paths,
// and whether improvements fail too.
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

struct PathTolerance {
  std::string path;  // a figure or a section prefix ("rfc6076.srd" covers rfc6076.srd.p90)
  double relative = 0;
};

struct CompareOptions {
  double default_tolerance = kDefaultRelativeTolerance;
  std::vector<PathTolerance> tolerances;
  std::vector<std::string> ignored;  // figures or section prefixes left out
  bool strict = false;               // improvements and new figures fail too

  // The tolerance given for this path with --tolerance PATH=X (longest matching prefix), if any.
  std::optional<double> explicit_tolerance(std::string_view path) const;
  double tolerance(std::string_view path) const;
  bool is_ignored(std::string_view path) const;
};

// `--tolerance 0.1` (all ratios and delays) or `--tolerance rfc6076.srd.p90=0.05` (one path or
// prefix). The value is relative: 0.05 allows 5 % worse than the baseline.
Expected<void> add_tolerance_spec(CompareOptions& options, std::string_view spec);
// `--ignore PATH`: a figure, or a prefix that leaves out a whole section.
Expected<void> add_ignore_spec(CompareOptions& options, std::string_view spec);

// A dotted path as users may write it: non-empty components, no spaces. Shared with --expect.
bool is_valid_figure_path(std::string_view path);

}  // namespace sipmon
