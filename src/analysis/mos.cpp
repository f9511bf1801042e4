#include "analysis/mos.h"

#include <algorithm>
#include <cmath>

namespace sipmon {
namespace {

// Ro - Is - Idte - Idle + A with all G.107 default values: 93.2 (G.107 §7.1 / Table 3 note).
constexpr double kDefaultR = 93.2;

// G.107 eq. (7-28): the impairment of absolute delay Ta (ms); nothing below 100 ms.
double delay_impairment(double ta_ms) {
  if (ta_ms <= 100) return 0;
  const double x = std::log2(ta_ms / 100);
  return 25 * (std::pow(1 + std::pow(x, 6), 1.0 / 6) - 3 * std::pow(1 + std::pow(x / 3, 6), 1.0 / 6) + 2);
}

}  // namespace

CodecImpairment codec_impairment(Codec codec) {
  switch (codec) {
    case Codec::g729:
      return {11, 19.0};  // G.729A + VAD (G.113 Table I.1 / I.3)
    case Codec::g723:
      return {15, 16.1};  // G.723.1 6.3 kbit/s + VAD
    case Codec::gsm:
      return {20, 10.0};  // GSM-FR 06.10: Ie from G.113 Table I.1; Bpl assumed (docs/media.md)
    // G.711 with packet-loss concealment (Appendix I of G.711): Ie 0, Bpl 25.1. G.722 and Opus
    // have no narrowband G.113 values: scored like G.711 with PLC (docs/media.md).
    default:
      return {0, 25.1};
  }
}

double burst_ratio(double received, double lost, double bursts) {
  if (lost <= 0 || bursts <= 0 || received <= 0) return 1;
  const double p = bursts / received;
  const double q = std::min(1.0, bursts / lost);
  return std::max(1.0, 1 / (p + q));
}

double emodel_r(const EModelInput& input) {
  const CodecImpairment impairment = codec_impairment(input.codec);
  const double ppl = std::clamp(input.loss_pct, 0.0, 100.0);
  const double burst = std::max(1.0, input.burst_ratio);
  // G.107 eq. (7-29).
  const double ie_eff = impairment.ie + (95 - impairment.ie) * ppl / (ppl / burst + impairment.bpl);
  return kDefaultR - delay_impairment(input.one_way_delay_ms) - ie_eff;
}

double mos_from_r(double r) {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

}  // namespace sipmon
