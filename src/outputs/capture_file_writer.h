#pragma once
// Writes frames to a capture file, whole or not at all: frames go to a temporary file beside the
// target, which commit() renames into place; dropped without commit(), it is removed.
// Classic pcap is written by libpcap (pcap_dump); pcapng by PcapngWriter.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/error.h"
#include "analysis/frame.h"

namespace sipmon {

struct CaptureFormat {
  bool pcapng = false;
  std::uint32_t link_type = 1;  // pcap only: the one link type of every frame (a LinkType value)
  bool nanosecond = true;       // timestamp resolution written
};

struct CaptureInput {
  bool pcapng = false;
  std::uint32_t link_type = 1;
  bool nanosecond = true;
};

// The output that keeps what the inputs were: pcap when they are all pcap of one link type
// (with µs timestamps when they all have), pcapng otherwise.
CaptureFormat capture_format_for(const std::vector<CaptureInput>& inputs);

class CaptureFileWriter final : public FrameSink {
 public:
  static Expected<std::unique_ptr<CaptureFileWriter>> create(const std::string& path, CaptureFormat format);
  ~CaptureFileWriter() override;

  void on_frame(const Frame& frame) override;
  // Flushes, closes and renames the file into place. The first write error, if any, is reported
  // here (and the file is removed).
  Expected<void> commit();

 private:
  struct Impl;
  explicit CaptureFileWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sipmon
