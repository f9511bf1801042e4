#pragma once
// `sipmon merge`: the JSON reports of shards (per-file replays run by any scheduler) combined into
// the report of all their traffic (docs/report.md, "Merging reports"). Counts add; ratios are
// computed again from the summed counts by the report's own code; delays are rebuilt from their
// mergeable form (`delay_sketches`), merged, and rendered again, so percentiles are those of one
// replay of every file; series intervals with the same start are merged the same way.
// Reports of different sipmon versions, schemas, timers or series intervals are refused.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/error.h"

namespace sipmon {

struct MergeInput {
  std::string name;  // for messages: the file name
  nlohmann::ordered_json report;
};

Expected<nlohmann::ordered_json> merge_reports(const std::vector<MergeInput>& inputs);

}  // namespace sipmon
