// E-model values worked out by hand from ITU-T G.107 (docs/media.md has the formulas).
#include <catch2/catch.hpp>

#include "analysis/mos.h"

using namespace sipmon;

TEST_CASE("E-model: clean G.711 scores R 93.2, MOS 4.41") {
  CHECK(emodel_r({.codec = Codec::pcma}) == Approx(93.2));
  // 1 + 0.035 * 93.2 + 93.2 * 33.2 * 6.8 * 7e-6 = 1 + 3.262 + 0.14728...
  CHECK(emodel_mos({.codec = Codec::pcma}) == Approx(4.409285824).epsilon(1e-9));
}

TEST_CASE("E-model: random loss on G.711 with PLC, and bursts make it worse") {
  // Ppl 2 %: Ie,eff = 95 * 2 / (2 + 25.1) = 7.0110701; R = 86.1889299.
  CHECK(emodel_r({.codec = Codec::pcmu, .loss_pct = 2}) == Approx(86.1889299).epsilon(1e-9));
  // BurstR 2: Ie,eff = 95 * 2 / (1 + 25.1) = 7.2796935.
  CHECK(emodel_r({.codec = Codec::pcmu, .loss_pct = 2, .burst_ratio = 2}) == Approx(93.2 - 7.2796935).epsilon(1e-9));
  double previous = 5;
  for (double loss : {0.0, 1.0, 2.0, 5.0, 10.0, 20.0}) {
    const double mos = emodel_mos({.codec = Codec::pcmu, .loss_pct = loss});
    CHECK(mos < previous);
    previous = mos;
  }
}

TEST_CASE("E-model: G.729 impairment and the delay impairment past 100 ms") {
  // G.729A: Ie 11, no loss: R = 82.2.
  CHECK(emodel_r({.codec = Codec::g729}) == Approx(82.2));
  CHECK(emodel_r({.codec = Codec::pcmu, .one_way_delay_ms = 100}) == Approx(93.2));
  // Ta 200 ms: X = 1; Idd = 25 * (2^(1/6) - 3 * (1 + 1/729)^(1/6) + 2) = 25 * (1.122462 - 3.000686 + 2) = 3.044.
  CHECK(emodel_r({.codec = Codec::pcmu, .one_way_delay_ms = 200}) == Approx(93.2 - 3.0444).epsilon(1e-4));
}

TEST_CASE("E-model: MOS mapping limits and burst ratio from a stream") {
  CHECK(mos_from_r(-5) == 1);
  CHECK(mos_from_r(100) == 4.5);
  CHECK(mos_from_r(50) == Approx(1 + 1.75 + 50 * -10 * 50 * 7e-6));
  CHECK(burst_ratio(100, 0, 0) == 1);
  // 90 received, 10 lost in 2 bursts of 5: p = 2/90, q = 2/10, BurstR = 1 / 0.2222 = 4.5.
  CHECK(burst_ratio(90, 10, 2) == Approx(4.5));
  CHECK(burst_ratio(90, 10, 10) == 1);  // isolated losses: random
}
