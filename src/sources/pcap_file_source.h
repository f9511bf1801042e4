#pragma once
// Replay source: one or more pcap/pcapng files read with libpcap and merged into one stream in
// timestamp order. libpcap's headers stay inside the .cpp (they clash with libbpf's).
#include <memory>
#include <string>
#include <vector>

#include "analysis/error.h"
#include "analysis/frame.h"
#include "analysis/report.h"

namespace sipmon {

// What one input file is: `extract` writes its output in the same kind of file.
struct CaptureFileInfo {
  std::string path;
  std::uint32_t link_type = 0;  // a LinkType value (frame.h)
  bool pcapng = false;          // pcapng; otherwise classic pcap
  bool nanosecond = true;       // a classic pcap with nanosecond timestamps (pcapng: always true)
};

class PcapFileSource {
 public:
  // Opens every file and reads its first record, so that a missing file, a file that is not a
  // capture, or one from which not a single packet can be read is refused before any output.
  static Expected<PcapFileSource> open(const std::vector<std::string>& paths);

  PcapFileSource(PcapFileSource&&) noexcept;
  PcapFileSource& operator=(PcapFileSource&&) noexcept;
  ~PcapFileSource();

  // Hands every remaining frame to `sink`, oldest first; ties keep the order of the files.
  void run(FrameSink& sink);

  // Files that ended in damage (a record cut short or corrupt): everything before it was read.
  const std::vector<ReadError>& read_errors() const;
  // One entry per file, in the order given.
  std::vector<CaptureFileInfo> files() const;
  // One line per notable fact about the input that is not an error (empty file, unknown link type).
  const std::vector<std::string>& warnings() const;

 private:
  struct Impl;
  explicit PcapFileSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sipmon
