#pragma once
// MOS-CQ by the ITU-T G.107 E-model with the equipment impairment factors of G.113 Appendix I.
// Every formula, default and assumption is written out in docs/media.md.
#include "analysis/media_codec.h"

namespace sipmon {

// G.113 Appendix I: Ie (equipment impairment) and Bpl (packet-loss robustness) of a codec.
struct CodecImpairment {
  double ie;
  double bpl;
};
CodecImpairment codec_impairment(Codec codec);

struct EModelInput {
  Codec codec = Codec::unknown;
  double loss_pct = 0;          // Ppl: packets lost, percent of expected
  double burst_ratio = 1;       // BurstR: 1 for random loss, > 1 when losses come in bursts
  double one_way_delay_ms = 0;  // Ta: absolute one-way delay (0 when not known)
};

// G.107 §7.1: R with every parameter but Ie, Bpl, Ppl, BurstR and Ta at its default value.
double emodel_r(const EModelInput& input);
// G.107 Annex B: R to the MOS-CQE scale (1 .. 4.5).
double mos_from_r(double r);
inline double emodel_mos(const EModelInput& input) { return mos_from_r(emodel_r(input)); }

// BurstR from what a stream saw (G.107 Annex A, two-state Markov model): with p = P(loss after a
// received packet) = bursts/received and q = P(receipt after a lost packet) = bursts/lost,
// BurstR = 1 / (p + q). 1 when nothing was lost.
double burst_ratio(double received, double lost, double bursts);

}  // namespace sipmon
