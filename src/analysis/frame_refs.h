#pragma once
// Which captured frames carried a payload. A SIP message that arrived in IP fragments or TCP
// segments was made up of several frames; `sipmon extract` writes them all, so the decoders say
// which they were. Frames are numbered by the PacketDecoder in the order it decodes them (the
// first is 1). The numbers are views into the decoders' own bounded tables, valid only during
// the PayloadSink call, like the payload's bytes.
#include <cstdint>
#include <span>

namespace sipmon {

using FrameNumber = std::uint64_t;

struct FrameRefs {
  std::span<const FrameNumber> frames;  // unordered; may repeat a number
  // Some contributing frames could not be remembered (a bound was reached: docs/extract.md).
  bool incomplete = false;
};

}  // namespace sipmon
