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
  const auto requests = counters.requests();
  CHECK(requests.at("INVITE") == 2);
  CHECK(requests.at("REGIStER") == 1);
  CHECK(requests.at("FOO") == 1);
  CHECK(requests.count("REGISTER") == 0);
  const auto responses = counters.responses();
  CHECK(responses.at("200") == 2);
  CHECK(responses.at("486") == 1);
  CHECK(counters.request_total() == 4);
  CHECK(counters.response_total() == 3);
}

TEST_CASE("a flood of distinct junk methods stays bounded and is counted", "[counters]") {
  MessageCounters counters;
  for (int i = 0; i < 10'000; ++i) counters.count_request(Method::other, "X" + std::to_string(i));
  counters.count_request(Method::other, std::string(100, 'L'));  // longer than any kept spelling
  const auto requests = counters.requests();
  CHECK(requests.size() == MessageCounters::kMaxExtensionMethods + 1);
  CHECK(requests.at(std::string(MessageCounters::kOverflowMethod)) ==
        10'000 - MessageCounters::kMaxExtensionMethods + 1);
  CHECK(counters.request_total() == 10'001);
}
