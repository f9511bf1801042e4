#pragma once
// The standard reason phrase of a SIP status code, for outputs that show codes to people. The
// report keeps codes only (a phrase is free text a UA may change), so the summary names a code
// with the phrase the RFC that defines it recommends.
#include <cstdint>
#include <string_view>

namespace sipmon {

// "Request Terminated" for 487; "" for a code no RFC on the list defines.
std::string_view standard_reason_phrase(int status_code);

}  // namespace sipmon
