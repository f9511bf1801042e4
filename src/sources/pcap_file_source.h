#pragma once
// Replay source: one or more pcap/pcapng files merged into one stream in timestamp order. A plain
// file is read in 1 MiB blocks and walked in place (capture_blocks.h: one read() per ~2 000
// packets, each record handed on as a view into the block); standard input ("-"), gzip or zstd
// compressed files (capture_stream.h) and whatever the block reader does not handle are read with
// libpcap, which also takes over a file at a block the block reader leaves to it. libpcap's headers stay inside the
// .cpp (they clash with libbpf's).
#include <cstdint>
#include <memory>
#include <optional>
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
  // Which reader read it: "blocks", "libpcap", or "blocks+libpcap" (libpcap took over at a block
  // the block reader does not handle).
  std::string reader;
};

// `libpcap` reads every file with libpcap (`replay --reader libpcap`, and the test that both
// readers agree); `automatic` maps what it can.
enum class FileReader { automatic, libpcap };

// How far the replay is, in bytes of the files as stored (compressed bytes for compressed files).
struct ReadProgress {
  std::uint64_t bytes_read = 0;
  std::optional<std::uint64_t> bytes_total = 0;  // unknown when a file is a pipe (stdin)
  const char* reader = "";                       // "blocks", "libpcap" or "blocks+libpcap" (all files)
};

class PcapFileSource {
 public:
  // Opens every file and reads its first record, so that a missing file, a file that is not a
  // capture, or one from which not a single packet can be read is refused before any output.
  static Expected<PcapFileSource> open(const std::vector<std::string>& paths,
                                       FileReader reader = FileReader::automatic);

  PcapFileSource(PcapFileSource&&) noexcept;
  PcapFileSource& operator=(PcapFileSource&&) noexcept;
  ~PcapFileSource();

  // Hands every remaining frame to `sink`, oldest first; ties keep the order of the files.
  void run(FrameSink& sink);

  // Bytes read so far; for a progress line, cheap enough to ask every few thousand frames.
  ReadProgress progress() const;

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
