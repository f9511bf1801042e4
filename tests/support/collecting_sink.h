#pragma once
// A PayloadSink for tests: keeps a copy of every payload handed over (the decoders' views are
// only valid during the call).
#include <string>
#include <vector>

#include "analysis/payload.h"

namespace sipmon::test {

struct CollectingSink : PayloadSink {
  std::vector<std::string> payloads;
  std::vector<Payload> meta;  // bytes are not valid after the call; use `payloads`
  void on_payload(const Payload& payload) override {
    payloads.emplace_back(as_text(payload.bytes));
    meta.push_back(payload);
  }
  std::vector<Payload> keepalives;  // the endpoints of each keep-alive event (no bytes)
  void on_keepalive(const Payload& endpoints) override { keepalives.push_back(endpoints); }
};

}  // namespace sipmon::test
