#pragma once
// Reading back call records: JSON Lines, one object per call, at least {"call_id": ...,
// "outcome": ...} (the records file `sipmon` writes per call; docs/extract.md). `extract --calls`
// takes the Call-IDs from it.
#include <string>
#include <vector>

#include "analysis/error.h"

namespace sipmon {

// The Call-IDs of the records whose "outcome" is one of `outcomes` (every record when empty), in
// file order. Blank lines are skipped; a line that is not a JSON object with a string "call_id"
// (and, when filtering, a string "outcome") is an input error naming the file and line.
Expected<std::vector<std::string>> read_call_ids(const std::string& path, const std::vector<std::string>& outcomes);

}  // namespace sipmon
