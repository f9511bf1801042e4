#include "analysis/sip_header_names.h"

namespace sipmon {

std::string_view header_name(HeaderId id) {
  return id == HeaderId::other ? std::string_view{"other"}
                               : header_names_detail::kHeaderNames[static_cast<std::size_t>(id)].lower;
}

}  // namespace sipmon
