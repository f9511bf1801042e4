#include "analysis/time_format.h"

#include <chrono>
#include <cstdio>

namespace sipmon {

std::string format_rfc3339_us(std::int64_t ts_ns) {
  using namespace std::chrono;
  // Floor, not truncate, so times before 1970 still print a valid date.
  const sys_time<microseconds> us{floor<microseconds>(nanoseconds{ts_ns})};
  const sys_days day = floor<days>(us);
  const year_month_day ymd{day};
  const hh_mm_ss hms{us - day};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%06ldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long>(hms.seconds().count()), static_cast<long>(hms.subseconds().count()));
  return buffer;
}

}  // namespace sipmon
