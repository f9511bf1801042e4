#pragma once
// Maps a User-Agent value to one of a closed set of families (ua_families.def), so that metrics
// can be labelled by caller software without a label per raw header value (unbounded cardinality,
// attacker-chosen).
#include <cstddef>
#include <string_view>

namespace sipmon {

// The number of families, "other" included (it is the last index).
std::size_t ua_family_count();
// The family index of `user_agent` (the "other" index when nothing matches or it is empty).
std::size_t ua_family_of(std::string_view user_agent);
std::string_view ua_family_name(std::size_t index);

}  // namespace sipmon
