#pragma once
// The bytes of one capture file as a stdio stream libpcap can read (pcap_fopen_offline): a plain
// file, standard input ("-"), or a gzip or zstd compressed capture, recognized by its first bytes
// (not its name), decompressed on the fly with zlib / libzstd. Without pcap headers, so that it
// can be tested and used on its own.
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/error.h"

namespace sipmon {

enum class CaptureCompression { none, gzip, zstd };

// What the stream's reader (a replay's progress line, a damaged-file message) may ask while
// libpcap owns the FILE*. Shared with the stream, which updates it; single-threaded.
struct CaptureStreamState {
  std::uint64_t raw_bytes_read = 0;       // bytes taken from the file or pipe (compressed)
  std::optional<std::uint64_t> raw_size;  // the file's size, for regular files
  CaptureCompression compression = CaptureCompression::none;
  // The first bytes of the raw input, as looked at to recognize the compression (a plain pcap's
  // magic number, say): readers that need them again do not open the file a second time.
  std::array<unsigned char, 4> leading_bytes{};
  std::size_t leading_size = 0;  // fewer than 4 when the input is that short
  std::string error;             // why the stream stopped early (corrupt, truncated)
};

struct CaptureStream {
  FILE* file = nullptr;  // to be closed with fclose (pcap_close does it), which frees the rest
  std::shared_ptr<const CaptureStreamState> state;

  // What the stream has now, at most `size` bytes, as read(2) gives it: > 0 bytes, 0 at the end,
  // -1 on an error (the state names it). Unlike fread(), which waits for all `size` bytes, this
  // returns what a pipe holds, so that a slow one (tcpdump -w - at a few packets a second) is read
  // as its packets come. Not to be mixed with stdio reads of `file` that came before it (their
  // buffer would be skipped); stdio reads after it are fine.
  ssize_t read_some(void* out, std::size_t size) const { return read_function(cookie, static_cast<char*>(out), size); }
  // Whether a read_some() now would return at once: the raw input holds bytes (or its end), or the
  // reader does not know (no descriptor to ask).
  bool more_waiting() const;
  // The stream's own read function and its state, behind `file` (which owns them), and the raw
  // input's descriptor (-1: none to ask).
  ssize_t (*read_function)(void* cookie, char* out, std::size_t size) = nullptr;
  void* cookie = nullptr;
  int raw_fd = -1;
};

inline constexpr const char* kStdinPath = "-";

// Opens `path` ("-" for standard input). Fails with a message naming the path when it cannot be
// opened or read.
Expected<CaptureStream> open_capture_stream(const std::string& path);

// `rest` with `prefix` read before its bytes: what a reader that has taken bytes from a stream it
// cannot rewind (a pipe, a decompressor) hands to libpcap, so that libpcap sees them again (the
// file header, the records not yet read). Shares `rest`'s state; closing the result closes `rest`.
// Fails only when the C library cannot make a stream (`rest` is then closed).
Expected<CaptureStream> prepend_to_capture_stream(std::vector<std::uint8_t> prefix, CaptureStream rest);

const char* compression_name(CaptureCompression compression);  // "gzip", "zstd", "" for none

}  // namespace sipmon
