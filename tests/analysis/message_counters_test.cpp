#include <catch2/catch.hpp>

#include <string>

#include "analysis/message_counters.h"

using namespace sipmon;

TEST_CASE("known methods, extension methods by spelling, codes by number", "[counters]") {
  MessageCounters counters;
  counters.count_request(Method::invite, "INVITE");
  counters.count_request(Method::invite, "INVITE");
  counters.count_request(Method::other, "REGIStER");
  counters.count_request(Method::other, "FOO");
  counters.count_response(200);
  counters.count_response(486);
  counters.count_response(200);
  const RequestCounts& requests = counters.requests();
  CHECK(requests[Method::invite] == 2);
  CHECK(requests.extension("REGIStER") == 1);
  CHECK(requests.extension("FOO") == 1);
  CHECK(requests[Method::register_] == 0);  // methods are case-sensitive
  CHECK(requests[Method::other] == 2);
  REQUIRE(requests.extension_methods().size() == 2);
  CHECK(requests.extension_methods()[0].spelling() == "REGIStER");  // in order of first sight
  const ResponseCounts responses = counters.responses();
  CHECK(responses.count(200) == 2);
  CHECK(responses.count(486) == 1);
  CHECK(responses.count(404) == 0);
  CHECK(requests.total() == 4);
  CHECK(responses.total() == 3);
}

TEST_CASE("a flood of distinct junk methods stays bounded and is counted", "[counters]") {
  MessageCounters counters;
  for (int i = 0; i < 10'000; ++i) counters.count_request(Method::other, "X" + std::to_string(i));
  counters.count_request(Method::other, std::string(100, 'L'));  // longer than any kept spelling
  const RequestCounts& requests = counters.requests();
  CHECK(requests.extension_methods().size() == RequestCounts::kMaxExtensionMethods);
  CHECK(requests.overflow == 10'000 - RequestCounts::kMaxExtensionMethods + 1);
  CHECK(requests.extension("X0") == 1);
  CHECK(requests.extension(std::string(100, 'L')) == 0);
  CHECK(requests.total() == 10'001);
}

TEST_CASE("responses are also counted by the method in their CSeq", "[counters]") {
  MessageCounters counters;
  counters.count_response(200, Method::invite);
  counters.count_response(200, Method::bye);
  counters.count_response(200, Method::invite);
  counters.count_response(180, Method::invite);
  counters.count_response(404);  // no usable CSeq
  const ResponseCounts responses = counters.responses();
  CHECK(responses[Method::invite] == StatusCounts{{180, 1}, {200, 2}});  // ascending codes
  CHECK(responses[Method::bye] == StatusCounts{{200, 1}});
  CHECK(responses[Method::other] == StatusCounts{{404, 1}});
  CHECK(responses[Method::ack].empty());
  // The split adds up to the per-code counts.
  CHECK(responses.by_code() == StatusCounts{{180, 1}, {200, 3}, {404, 1}});
  CHECK(count_of(responses.by_code(), 200) == 3);
}
