// ua_family_of: run once per closed call record by the failure analysis (every replay that prints
// its text summary, --calls, --html, metrics), over the caller's User-Agent as the record keeps it
// (at most 40 bytes). Values that match none of the families are the slowest (every pattern is
// tried): the load generator's, and most of a carrier's traffic.
#include <array>
#include <string_view>

#include <benchmark/benchmark.h>

#include "analysis/ua_family.h"

namespace {

constexpr std::array<std::string_view, 4> kOther = {"loadgen-gw/1.0", "My Own Softphone 1.0",
                                                    "SBC-Edge 9.2.1 (build 2024-11-02)", "X-Lite release 5.8.3"};
constexpr std::array<std::string_view, 4> kKnown = {"Asterisk PBX 18.12.1", "FreeSWITCH-mod_sofia/1.10.9",
                                                    "Yealink SIP-T46S 66.86.0.15", "Linphone/5.2 (belle-sip/5.2)"};

template <const std::array<std::string_view, 4>& Values>
void BM_UaFamily(benchmark::State& state) {
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(sipmon::ua_family_of(Values[i++ % Values.size()]));
  }
}
BENCHMARK_TEMPLATE(BM_UaFamily, kOther)->Name("BM_UaFamily/other");
BENCHMARK_TEMPLATE(BM_UaFamily, kKnown)->Name("BM_UaFamily/known");

}  // namespace
