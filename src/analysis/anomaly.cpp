#include "analysis/anomaly.h"

namespace sipmon {
namespace {

struct OutcomeInfo {
  std::string_view name;
  OutcomeClass cls;
};

constexpr std::array<OutcomeInfo, kFrameOutcomeCount> kOutcomeInfo = {{
#define SIPMON_FRAME_OUTCOME_INFO(name, cls) {#name, OutcomeClass::cls},
    SIPMON_FRAME_OUTCOMES(SIPMON_FRAME_OUTCOME_INFO)
#undef SIPMON_FRAME_OUTCOME_INFO
}};

constexpr std::array<std::string_view, kDecoderEventCount> kEventNames = {{
#define SIPMON_DECODER_EVENT_NAME(name) #name,
    SIPMON_DECODER_EVENTS(SIPMON_DECODER_EVENT_NAME)
#undef SIPMON_DECODER_EVENT_NAME
}};

constexpr std::array<std::string_view, kMessageDefectCount> kDefectNames = {{
#define SIPMON_MESSAGE_DEFECT_NAME(name) #name,
    SIPMON_MESSAGE_DEFECTS(SIPMON_MESSAGE_DEFECT_NAME)
#undef SIPMON_MESSAGE_DEFECT_NAME
}};

}  // namespace

std::string_view frame_outcome_name(FrameOutcome outcome) {
  const auto index = static_cast<std::size_t>(outcome);
  return index < kFrameOutcomeCount ? kOutcomeInfo[index].name : std::string_view{"none"};
}

std::string_view decoder_event_name(DecoderEvent event) {
  const auto index = static_cast<std::size_t>(event);
  return index < kDecoderEventCount ? kEventNames[index] : std::string_view{"none"};
}

std::string_view message_defect_name(MessageDefect defect) {
  const auto index = static_cast<std::size_t>(defect);
  return index < kMessageDefectCount ? kDefectNames[index] : std::string_view{"none"};
}

OutcomeClass outcome_class(FrameOutcome outcome) { return kOutcomeInfo[static_cast<std::size_t>(outcome)].cls; }

std::uint64_t total_of_class(const FrameOutcomeCounts& outcomes, OutcomeClass cls) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kFrameOutcomeCount; ++i) {
    if (kOutcomeInfo[i].cls == cls) sum += outcomes.counts[i];
  }
  return sum;
}

}  // namespace sipmon
