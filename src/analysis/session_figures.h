#pragma once
// The report's RFC 6076 and dialog sections from the three trackers' tallies. One function for
// the whole input and for each peer (--peers), so that `rfc6076` and `peers.NAME.rfc6076` are
// the same figures computed the same way, over all attempts or over one peer's.
#include "analysis/dialog_tracker.h"
#include "analysis/registration_tracker.h"
#include "analysis/report.h"
#include "analysis/session_tracker.h"

namespace sipmon {

Rfc6076Report rfc6076_figures(const SessionTally& sessions, const RegistrationTally& registrations,
                              const DialogTally& dialogs);
DialogCounts dialog_figures(const DialogTally& dialogs);

}  // namespace sipmon
