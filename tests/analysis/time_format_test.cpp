#include <catch2/catch.hpp>

#include "analysis/time_format.h"

using sipmon::format_rfc3339_us;

TEST_CASE("RFC 3339 timestamps in UTC with microseconds", "[time]") {
  CHECK(format_rfc3339_us(0) == "1970-01-01T00:00:00.000000Z");
  CHECK(format_rfc3339_us(1'340'495'109'792'454'999) == "2012-06-23T23:45:09.792454Z");
  CHECK(format_rfc3339_us(951'782'400'000'001'000) == "2000-02-29T00:00:00.000001Z");
  CHECK(format_rfc3339_us(-1'000) == "1969-12-31T23:59:59.999999Z");
}
