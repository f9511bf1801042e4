#include "sources/capture_stream.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace sipmon {
namespace {

constexpr std::size_t kInputChunk = 128 * 1024;

// Bytes already taken from an input, handed back before its next ones: what RawInput read to
// recognize the format, what the block reader read before libpcap takes over (PrefixedStream).
class Replayed {
 public:
  Replayed() = default;
  explicit Replayed(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}

  std::vector<std::uint8_t>& bytes() { return bytes_; }
  bool done() const { return used_ == bytes_.size(); }
  // Up to `size` of the bytes not handed back yet (> 0 unless done()).
  ssize_t take(void* out, std::size_t size) {
    const std::size_t n = std::min(size, bytes_.size() - used_);
    std::memcpy(out, bytes_.data() + used_, n);
    used_ += n;
    return static_cast<ssize_t>(n);
  }

 private:
  std::vector<std::uint8_t> bytes_;
  std::size_t used_ = 0;
};

// Reads from a file descriptor, first handing back the bytes already read to recognize the
// format. Counts every byte taken from the descriptor for the progress line.
class RawInput {
 public:
  RawInput(int fd, std::shared_ptr<CaptureStreamState> state) : fd_(fd), state_(std::move(state)) {}
  ~RawInput() { ::close(fd_); }
  RawInput(const RawInput&) = delete;
  RawInput& operator=(const RawInput&) = delete;

  // Reads the first bytes (up to 4) so that the caller can look at them; they are read again.
  std::size_t peek(unsigned char* out, std::size_t size) {
    std::vector<std::uint8_t>& prefix = prefix_.bytes();
    while (prefix.size() < size) {
      unsigned char byte[4];
      const ssize_t got = read_fd(byte, size - prefix.size());
      if (got <= 0) break;
      prefix.insert(prefix.end(), byte, byte + got);
    }
    // An empty input leaves nothing to copy (and memcpy may not be handed a null source).
    if (!prefix.empty()) std::memcpy(out, prefix.data(), prefix.size());
    return prefix.size();
  }

  // read(2) semantics: > 0 bytes, 0 at the end, -1 with errno on an error.
  ssize_t read(void* out, std::size_t size) { return prefix_.done() ? read_fd(out, size) : prefix_.take(out, size); }

 private:
  ssize_t read_fd(void* out, std::size_t size) {
    for (;;) {
      const ssize_t got = ::read(fd_, out, size);
      if (got < 0 && errno == EINTR) continue;
      if (got > 0) state_->raw_bytes_read += static_cast<std::uint64_t>(got);
      return got;
    }
  }

  int fd_;
  std::shared_ptr<CaptureStreamState> state_;
  Replayed prefix_;  // peek()'s bytes
};

// One open capture: the raw input and, for compressed files, the decompressor between it and
// libpcap. The stdio cookie; freed when the FILE* is closed.
class Stream {
 public:
  Stream(int fd, std::shared_ptr<CaptureStreamState> state) : state_(state), raw_(fd, std::move(state)) {}
  ~Stream() {
    if (gzip_ready_) inflateEnd(&gzip_);
    if (zstd_) ZSTD_freeDCtx(zstd_);
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  Expected<void> start(const std::string& path) {
    std::array<unsigned char, 4> magic{};
    const std::size_t seen = raw_.peek(magic.data(), magic.size());
    state_->leading_bytes = magic;
    state_->leading_size = seen;
    if (seen >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
      state_->compression = CaptureCompression::gzip;
      // 15 + 32: gzip or zlib header detected automatically, the largest window.
      if (inflateInit2(&gzip_, 15 + 32) != Z_OK) return make_error(ErrorKind::input, path + ": zlib cannot start");
      gzip_ready_ = true;
    } else if (seen == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
      state_->compression = CaptureCompression::zstd;
      zstd_ = ZSTD_createDCtx();
      if (zstd_ == nullptr) return make_error(ErrorKind::input, path + ": libzstd cannot start");
    }
    if (state_->compression != CaptureCompression::none) input_.resize(kInputChunk);
    return {};
  }

  ssize_t read(char* out, std::size_t size) {
    if (state_->compression == CaptureCompression::none) {
      const ssize_t got = raw_.read(out, size);
      // Named in the state, as a decompression error is, for whoever reports it.
      if (got < 0 && state_->error.empty()) state_->error = std::string("read error: ") + std::strerror(errno);
      return got;
    }
    // Bytes decompressed before an error are delivered first; the error comes with the next
    // read, so that libpcap reports the damage after the last whole record.
    const std::size_t produced = failed_                                           ? 0
                                 : state_->compression == CaptureCompression::gzip ? read_gzip(out, size)
                                                                                   : read_zstd(out, size);
    if (produced == 0 && failed_) {
      errno = EIO;
      return -1;
    }
    return static_cast<ssize_t>(produced);
  }

 private:
  // Makes sure compressed input is waiting at `position`; false at the end of the input or on an
  // error (then failed_ is set).
  bool refill(std::size_t& position) {
    if (position < available_) return true;
    const ssize_t got = raw_.read(input_.data(), input_.size());
    if (got < 0) {
      fail(std::string("read error: ") + std::strerror(errno));
      return false;
    }
    available_ = static_cast<std::size_t>(got);
    position = 0;
    return got > 0;
  }

  void fail(std::string message) {
    if (state_->error.empty()) state_->error = std::move(message);
    failed_ = true;
  }

  std::size_t read_gzip(char* out, std::size_t size) {
    std::size_t produced = 0;
    while (produced < size) {
      std::size_t position = available_ - gzip_.avail_in;
      if (!refill(position)) {
        // The end of the input is clean only between gzip members.
        if (!failed_ && gzip_in_member_) fail("gzip stream cut short");
        break;
      }
      gzip_.next_in = input_.data() + position;
      gzip_.avail_in = static_cast<uInt>(available_ - position);
      gzip_.next_out = reinterpret_cast<Bytef*>(out + produced);
      gzip_.avail_out = static_cast<uInt>(size - produced);
      const int status = inflate(&gzip_, Z_NO_FLUSH);
      produced = size - gzip_.avail_out;
      gzip_in_member_ = true;
      if (status == Z_STREAM_END) {
        // `cat a.gz b.gz` is a valid gzip file: continue with the next member, if any.
        inflateReset(&gzip_);
        gzip_in_member_ = false;
      } else if (status != Z_OK && status != Z_BUF_ERROR) {
        fail(std::string("corrupt gzip data (") + (gzip_.msg ? gzip_.msg : "zlib error") + ")");
        break;
      }
    }
    return produced;
  }

  std::size_t read_zstd(char* out, std::size_t size) {
    ZSTD_outBuffer output{out, size, 0};
    while (output.pos < output.size) {
      std::size_t position = zstd_input_.pos;
      if (!refill(position)) {
        if (failed_) break;
        if (zstd_pending_ != 0) {  // flush what the decoder still holds
          ZSTD_inBuffer empty{nullptr, 0, 0};
          zstd_pending_ = ZSTD_decompressStream(zstd_, &output, &empty);
          if (ZSTD_isError(zstd_pending_)) {
            fail(std::string("corrupt zstd data (") + ZSTD_getErrorName(zstd_pending_) + ")");
          } else if (output.pos == 0 && zstd_pending_ != 0) {
            fail("zstd stream cut short");
          }
        }
        break;
      }
      zstd_input_ = ZSTD_inBuffer{input_.data(), available_, position};
      zstd_pending_ = ZSTD_decompressStream(zstd_, &output, &zstd_input_);
      if (ZSTD_isError(zstd_pending_)) {
        fail(std::string("corrupt zstd data (") + ZSTD_getErrorName(zstd_pending_) + ")");
        break;
      }
    }
    return output.pos;
  }

  std::shared_ptr<CaptureStreamState> state_;
  RawInput raw_;
  std::vector<unsigned char> input_;
  std::size_t available_ = 0;  // bytes of input_ filled by the last refill
  z_stream gzip_{};
  bool gzip_ready_ = false;
  bool gzip_in_member_ = false;
  bool failed_ = false;  // corrupt or cut short: every later read fails
  ZSTD_DCtx* zstd_ = nullptr;
  ZSTD_inBuffer zstd_input_{nullptr, 0, 0};
  std::size_t zstd_pending_ = 0;  // ZSTD_decompressStream's last hint: 0 = a frame just ended
};

ssize_t cookie_read(void* cookie, char* buffer, std::size_t size) {
  return static_cast<Stream*>(cookie)->read(buffer, size);
}

int cookie_close(void* cookie) {
  delete static_cast<Stream*>(cookie);
  return 0;
}

// Bytes already taken from a stream, then the rest of it (prepend_to_capture_stream), read as
// the block reader read it (read_some: no stdio buffer of its own in between).
class PrefixedStream {
 public:
  PrefixedStream(std::vector<std::uint8_t> prefix, const CaptureStream& rest)
      : prefix_(std::move(prefix)), rest_(rest) {}
  ~PrefixedStream() { std::fclose(rest_.file); }
  PrefixedStream(const PrefixedStream&) = delete;
  PrefixedStream& operator=(const PrefixedStream&) = delete;

  // read(2) semantics; an error's cause is in the stream's state (a decompression or read error).
  ssize_t read(char* out, std::size_t size) {
    return prefix_.done() ? rest_.read_some(out, size) : prefix_.take(out, size);
  }

 private:
  Replayed prefix_;
  CaptureStream rest_;
};

ssize_t prefixed_read(void* cookie, char* buffer, std::size_t size) {
  return static_cast<PrefixedStream*>(cookie)->read(buffer, size);
}

int prefixed_close(void* cookie) {
  delete static_cast<PrefixedStream*>(cookie);
  return 0;
}

}  // namespace

bool CaptureStream::more_waiting() const {
  if (raw_fd < 0) return true;
  pollfd ask{.fd = raw_fd, .events = POLLIN, .revents = 0};
  return ::poll(&ask, 1, 0) != 0;  // readable, at its end, or an error the next read reports
}

Expected<CaptureStream> prepend_to_capture_stream(std::vector<std::uint8_t> prefix, CaptureStream rest) {
  auto stream = std::make_unique<PrefixedStream>(std::move(prefix), rest);  // owns rest.file from here on
  FILE* file = fopencookie(stream.get(), "r", cookie_io_functions_t{prefixed_read, nullptr, nullptr, prefixed_close});
  if (file == nullptr)
    return make_error(ErrorKind::input, std::string("cannot open a stream: ") + std::strerror(errno));
  // The FILE* owns the stream from here on.
  return CaptureStream{file, std::move(rest.state), prefixed_read, stream.release(), rest.raw_fd};
}

const char* compression_name(CaptureCompression compression) {
  switch (compression) {
    case CaptureCompression::gzip:
      return "gzip";
    case CaptureCompression::zstd:
      return "zstd";
    case CaptureCompression::none:
      break;
  }
  return "";
}

Expected<CaptureStream> open_capture_stream(const std::string& path) {
  // A capture never comes from a keyboard: waiting for one would look like a hang.
  if (path == kStdinPath && ::isatty(STDIN_FILENO) == 1) {
    return make_error(
        ErrorKind::usage,
        "standard input ('-') is a terminal: pipe a capture into it, e.g. tcpdump -w - | sipmon replay -");
  }
  // Standard input is duplicated, so that closing the capture leaves descriptor 0 alone.
  const int fd = path == kStdinPath ? ::dup(STDIN_FILENO) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return make_error(ErrorKind::input, (path == kStdinPath ? std::string("standard input") : path) +
                                            ": cannot open: " + std::strerror(errno));
  }
  auto state = std::make_shared<CaptureStreamState>();
  struct stat info {};
  if (::fstat(fd, &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      ::close(fd);
      return make_error(ErrorKind::input, path + ": cannot open: " + std::strerror(EISDIR));
    }
    if (S_ISREG(info.st_mode)) state->raw_size = static_cast<std::uint64_t>(info.st_size);
  }
  auto stream = std::make_unique<Stream>(fd, state);  // owns fd from here on
  if (auto started = stream->start(path); !started) return tl::unexpected(started.error());
  FILE* file = fopencookie(stream.get(), "r", cookie_io_functions_t{cookie_read, nullptr, nullptr, cookie_close});
  if (file == nullptr) return make_error(ErrorKind::input, path + ": cannot open: " + std::strerror(errno));
  // The FILE* owns the stream from here on: cookie_close frees it (and closes fd).
  return CaptureStream{file, std::move(state), cookie_read, stream.release(), fd};
}

}  // namespace sipmon
