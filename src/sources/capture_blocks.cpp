#include "sources/capture_blocks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "analysis/frame.h"
#include "formats/capture_file_format.h"

namespace sipmon {
namespace {

using namespace capture_format;
// The largest block walked here: a packet of kMaxSnapLength bytes and generous options. Longer
// blocks (libpcap allows up to 16 MiB) go to libpcap.
constexpr std::uint32_t kMaxBlock = kMaxSnapLength + 65536;

std::uint32_t bswap32(std::uint32_t v) { return __builtin_bswap32(v); }

// Link types whose bytes libpcap hands on exactly as stored: the ones the engine decodes. For
// Linux cooked captures libpcap rewrites a CAN header's fields in a byte-swapped file, so those
// stay with libpcap when swapped. Others (whose LINKTYPE_ and DLT_ values differ, or that
// libpcap post-processes) are libpcap's.
bool fast_link_type(std::uint32_t link_type, bool swapped) {
  switch (static_cast<LinkType>(link_type)) {
    case LinkType::null_bsd:
    case LinkType::ethernet:
    case LinkType::raw:
    case LinkType::loop:
    case LinkType::ipv4:
    case LinkType::ipv6:
      return true;
    case LinkType::linux_sll:
    case LinkType::linux_sll2:
      return !swapped;
  }
  return false;
}

// libpcap's snapshot for a snap length read from a file (pcap_adjust_snapshot).
std::uint32_t effective_snaplen(std::uint32_t snaplen) {
  return snaplen == 0 || snaplen > kMaxSnapLength ? kMaxSnapLength : snaplen;
}

}  // namespace

std::uint32_t CaptureBlockParser::u32(std::size_t at) const {
  std::uint32_t v = 0;
  __builtin_memcpy(&v, file_.data() + at, 4);
  return swapped_ ? bswap32(v) : v;
}

std::uint16_t CaptureBlockParser::u16(std::size_t at) const {
  std::uint16_t v = 0;
  __builtin_memcpy(&v, file_.data() + at, 2);
  return swapped_ ? static_cast<std::uint16_t>(__builtin_bswap16(v)) : v;
}

std::optional<CaptureBlockParser> CaptureBlockParser::start(Bytes file, bool complete) {
  CaptureBlockParser parser(file, complete);
  if (file.size() < 4) return std::nullopt;
  std::uint32_t magic = 0;
  __builtin_memcpy(&magic, file.data(), 4);
  const bool ok = magic == kSectionHeaderBlock ? parser.start_pcapng() : parser.start_pcap();
  if (!ok) return std::nullopt;
  return parser;
}

void CaptureBlockParser::keep_header(std::size_t at, std::size_t length, bool afresh) {
  if (afresh) {
    header_bytes_.clear();
    header_overflow_ = false;
  }
  if (header_overflow_) return;
  if (header_bytes_.size() + length > kMaxHeaderBytes) {
    header_bytes_.clear();
    header_overflow_ = true;
    return;
  }
  header_bytes_.insert(header_bytes_.end(), file_.data() + at, file_.data() + at + length);
}

std::vector<std::uint8_t> CaptureBlockParser::header_bytes() const {
  // (The first section's head is empty only when it outgrew the limit itself.)
  if (header_overflow_ || (later_section_ && first_section_head_.empty())) return {};
  if (!later_section_) return header_bytes_;
  std::vector<std::uint8_t> bytes = first_section_head_;
  bytes.insert(bytes.end(), header_bytes_.begin(), header_bytes_.end());
  return bytes;
}

bool CaptureBlockParser::start_pcap() {
  if (file_.size() < 24) return false;
  std::uint32_t magic = 0;
  __builtin_memcpy(&magic, file_.data(), 4);
  if (magic == kPcapMicrosecondMagic || magic == kPcapNanosecondMagic) {
    swapped_ = false;
  } else if (bswap32(magic) == kPcapMicrosecondMagic || bswap32(magic) == kPcapNanosecondMagic) {
    swapped_ = true;
    magic = bswap32(magic);
  } else {
    return false;
  }
  nanosecond_ = magic == kPcapNanosecondMagic;
  // Version 2.4 only: libpcap swaps the two lengths of older files.
  if (u16(4) != 2 || u16(6) != 4) return false;
  pcap_.snaplen = effective_snaplen(u32(16));
  pcap_.link_type = u32(20);
  if (!fast_link_type(pcap_.link_type, swapped_)) return false;
  first_link_type_ = pcap_.link_type;
  keep_header(0, 24, true);
  pos_ = 24;
  return true;
}

CaptureBlockParser::Next CaptureBlockParser::next_pcap(BlockRecord& out) {
  const std::size_t remaining = file_.size() - pos_;
  if (remaining < 16 && !complete_) return Next::more;
  if (remaining == 0) return Next::end;
  if (remaining < 16) {
    damage_ = "truncated dump file; tried to read 16 header bytes, only got " + std::to_string(remaining);
    return Next::damaged;
  }
  const std::uint32_t caplen = u32(pos_ + 8);
  // A record longer than the snap length: libpcap clips or refuses it.
  if (caplen > pcap_.snaplen) return Next::handoff;
  if (remaining - 16 < caplen && !complete_) return Next::more;
  if (remaining - 16 < caplen) {
    damage_ = "truncated dump file; tried to read " + std::to_string(caplen) + " captured bytes, only got " +
              std::to_string(remaining - 16);
    return Next::damaged;
  }
  // As libpcap 1.10 does: the fields of a file in the host's byte order are read as signed 32-bit
  // values, those of a byte-swapped file as unsigned ones (its swap yields an unsigned int);
  // microseconds are scaled up.
  const std::int64_t seconds = swapped_ ? std::int64_t{u32(pos_)} : std::int64_t{static_cast<std::int32_t>(u32(pos_))};
  const std::int64_t fraction =
      swapped_ ? std::int64_t{u32(pos_ + 4)} : std::int64_t{static_cast<std::int32_t>(u32(pos_ + 4))};
  out.ts_ns = frame_time_ns(seconds, nanosecond_ ? fraction : fraction * 1000);
  out.link_type = pcap_.link_type;
  out.wire_len = u32(pos_ + 12);
  out.data = file_.subspan(pos_ + 16, caplen);
  pos_ += 16 + std::size_t{caplen};
  ++records_;
  return Next::record;
}

bool CaptureBlockParser::start_pcapng() {
  pcapng_ = true;
  nanosecond_ = true;
  if (file_.size() < 28) return false;
  std::uint32_t order = 0;
  __builtin_memcpy(&order, file_.data() + 8, 4);
  if (order == kByteOrderMagic) {
    swapped_ = false;
  } else if (bswap32(order) == kByteOrderMagic) {
    swapped_ = true;
  } else {
    return false;
  }
  // The section header and the blocks before the first interface, as libpcap reads them when it
  // opens the file; anything unusual there is left to libpcap, which then refuses the file or not.
  for (;;) {
    if (file_.size() - pos_ < 12) return false;
    const std::uint32_t type = u32(pos_);
    const std::uint32_t length = u32(pos_ + 4);
    if (length < 12 || length % 4 != 0 || length > kMaxBlock || length > file_.size() - pos_ ||
        u32(pos_ + length - 4) != length) {
      return false;
    }
    const Bytes body = file_.subspan(pos_ + 8, length - 12);
    if (type == kSectionHeaderBlock) {
      if (pos_ != 0 || body.size() < 16 || u16(pos_ + 12) != 1 || u16(pos_ + 14) != 0) return false;
      keep_header(pos_, length, true);
    } else if (type == kInterfaceDescriptionBlock) {
      if (!add_interface(body)) return false;
      keep_header(pos_, length, false);
      first_section_head_ = header_bytes_;
      first_link_type_ = interfaces_.front().link_type;
      pos_ += length;
      return true;
    } else if (type == kEnhancedPacketBlock || type == kSimplePacketBlock || type == kObsoletePacketBlock) {
      return false;  // a packet before any interface: libpcap's error
    }
    pos_ += length;
  }
}

bool CaptureBlockParser::add_interface(Bytes body) {
  if (body.size() < 8) return false;
  const std::size_t base = static_cast<std::size_t>(body.data() - file_.data());
  Interface iface;
  iface.link_type = u16(base);
  const std::uint32_t snaplen = u32(base + 4);
  if (!fast_link_type(iface.link_type, swapped_) || snaplen > kMaxSnapLength) return false;
  iface.snaplen = effective_snaplen(snaplen);
  bool seen_tsresol = false;
  bool seen_tsoffset = false;
  std::size_t at = 8;
  while (at < body.size()) {
    if (body.size() - at < 4) return false;
    const std::uint16_t code = u16(base + at);
    const std::uint16_t length = u16(base + at + 2);
    if (code == 0) break;  // opt_endofopt
    const std::size_t padded = (std::size_t{length} + 3) & ~std::size_t{3};
    if (body.size() - at - 4 < padded) return false;
    if (code == kOptionTsresol) {
      if (length != 1 || seen_tsresol) return false;
      seen_tsresol = true;
      const std::uint8_t value = body[at + 4];
      const unsigned exponent = value & 0x7fu;
      if (value & 0x80) {
        // Up to 2^-30: libpcap scales by fraction * 10^9 / 2^n, which overflows 64 bits beyond.
        if (exponent > 30) return false;
        iface.units = std::uint64_t{1} << exponent;
        iface.binary = true;
      } else {
        if (exponent > 18) return false;
        iface.units = 1;
        for (unsigned i = 0; i < exponent; ++i) iface.units *= 10;
      }
    } else if (code == kOptionTsoffset) {
      if (length != 8 || seen_tsoffset) return false;
      seen_tsoffset = true;
      const std::uint64_t low = u32(base + at + 4);
      const std::uint64_t high = u32(base + at + 8);
      iface.tsoffset = swapped_ ? (low << 32 | high) : (high << 32 | low);
    }
    at += 4 + padded;
  }
  interfaces_.push_back(iface);
  return true;
}

// An Enhanced Packet Block's timestamp, `t` units of the interface's resolution, in seconds
// (with the interface's offset) and nanoseconds, as libpcap computes them. Microseconds (the
// pcapng default, what tcpdump writes) and nanoseconds come first, divided by constants, which
// the compiler turns into multiplications: a 64-bit division by a value read from the file costs
// tens of cycles, and the general case takes two a packet.
CaptureBlockParser::PcapngTime CaptureBlockParser::split_time(std::uint64_t t, const Interface& iface) {
  PcapngTime time;
  if (iface.units == 1'000'000) {
    time.seconds = t / 1'000'000 + iface.tsoffset;
    time.fraction_ns = t % 1'000'000 * 1'000;
    return time;
  }
  if (iface.units == 1'000'000'000) {
    time.seconds = t / 1'000'000'000 + iface.tsoffset;
    time.fraction_ns = t % 1'000'000'000;
    return time;
  }
  time.seconds = t / iface.units + iface.tsoffset;
  time.fraction_ns = t % iface.units;
  if (iface.binary) {
    time.fraction_ns = time.fraction_ns * 1'000'000'000 / iface.units;
  } else if (iface.units < 1'000'000'000) {
    time.fraction_ns *= 1'000'000'000 / iface.units;
  } else {
    time.fraction_ns /= iface.units / 1'000'000'000;
  }
  return time;
}

CaptureBlockParser::Next CaptureBlockParser::next_pcapng(BlockRecord& out) {
  for (;;) {
    const std::size_t remaining = file_.size() - pos_;
    if (remaining < 8 && !complete_) return Next::more;
    if (remaining == 0) return Next::end;
    if (remaining < 8) {
      damage_ = "truncated pcapng dump file; tried to read 8 bytes, only got " + std::to_string(remaining);
      return Next::damaged;
    }
    const std::uint32_t type = u32(pos_);
    const std::uint32_t length = u32(pos_ + 4);
    if (length < 12 || length % 4 != 0 || length > kMaxBlock) return Next::handoff;
    if (length > remaining && !complete_) return Next::more;
    if (length > remaining) {
      damage_ = "truncated pcapng dump file; tried to read " + std::to_string(length - 8) + " bytes, only got " +
                std::to_string(remaining - 8);
      return Next::damaged;
    }
    if (u32(pos_ + length - 4) != length) return Next::handoff;
    const std::size_t body = pos_ + 8;
    const std::size_t body_size = length - 12;
    switch (type) {
      case kEnhancedPacketBlock: {
        if (body_size < 20) return Next::handoff;
        const std::uint32_t id = u32(body);
        if (id >= interfaces_.size()) return Next::handoff;
        const Interface& iface = interfaces_[id];
        const std::uint32_t caplen = u32(body + 12);
        if (caplen > iface.snaplen || caplen > body_size - 20) return Next::handoff;
        const std::uint64_t t = std::uint64_t{u32(body + 4)} << 32 | u32(body + 8);
        const PcapngTime time = split_time(t, iface);
        // libpcap: tv_sec = (time_t)sec, tv_usec = (int)frac.
        out.ts_ns = frame_time_ns(static_cast<std::int64_t>(time.seconds), static_cast<int>(time.fraction_ns));
        out.link_type = iface.link_type;
        out.wire_len = u32(body + 16);
        out.data = file_.subspan(body + 20, caplen);
        pos_ += length;
        ++records_;
        return Next::record;
      }
      case kSimplePacketBlock: {
        if (body_size < 4 || interfaces_.empty()) return Next::handoff;
        const Interface& iface = interfaces_.front();
        const std::uint32_t wire_len = u32(body);
        const std::uint32_t caplen = std::min(wire_len, iface.snaplen);
        if (caplen > body_size - 4) return Next::handoff;
        // No timestamp: libpcap gives 0 plus the interface's offset.
        out.ts_ns = frame_time_ns(static_cast<std::int64_t>(iface.tsoffset), 0);
        out.link_type = iface.link_type;
        out.wire_len = wire_len;
        out.data = file_.subspan(body + 4, caplen);
        pos_ += length;
        ++records_;
        return Next::record;
      }
      case kInterfaceDescriptionBlock:
        if (!add_interface(file_.subspan(body, body_size))) return Next::handoff;
        keep_header(pos_, length, false);
        break;
      case kSectionHeaderBlock: {
        // A new section: same byte order and version 1.0 here, its own interfaces.
        std::uint32_t order = 0;
        if (body_size < 16) return Next::handoff;
        __builtin_memcpy(&order, file_.data() + body, 4);
        if ((swapped_ ? bswap32(order) : order) != kByteOrderMagic || u16(body + 4) != 1 || u16(body + 6) != 0) {
          return Next::handoff;
        }
        interfaces_.clear();
        keep_header(pos_, length, true);
        later_section_ = true;
        break;
      }
      case 2:  // obsolete Packet Block
        return Next::handoff;
      default:  // statistics, name resolution, custom blocks: nothing the engine reads
        break;
    }
    pos_ += length;
  }
}

CaptureBlockParser::Next CaptureBlockParser::next(BlockRecord& out) {
  return pcapng_ ? next_pcapng(out) : next_pcap(out);
}

static_assert(CaptureFileBlocks::kBufferBytes >= 2 * std::size_t{kMaxBlock} &&
                  CaptureFileBlocks::kBufferBytes >= 2 * (16 + std::size_t{kMaxSnapLength}),
              "a block the parser walks fits in the buffer after what is left of the previous one");

std::optional<CaptureFileBlocks> CaptureFileBlocks::open(const std::string& path) {
  // Looked at before it is opened: opening a named pipe here would take its writer's first bytes
  // (or, closed again, make it fail) before the capture stream opens it for good.
  struct stat before {};
  if (::stat(path.c_str(), &before) != 0 || !S_ISREG(before.st_mode)) return std::nullopt;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
    ::close(fd);
    return std::nullopt;
  }
  // One pass from start to end: the kernel reads ahead more and drops pages behind sooner.
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  CaptureFileBlocks blocks(fd, static_cast<std::uint64_t>(st.st_size));
  blocks.refill(0);
  if (blocks.window().empty()) return std::nullopt;
  return blocks;
}

CaptureFileBlocks::CaptureFileBlocks(int fd, std::uint64_t size)
    : fd_(fd),
      size_(size),
      buffer_(new std::uint8_t[std::min<std::uint64_t>(size, kBufferBytes)]),
      capacity_(std::min<std::uint64_t>(size, kBufferBytes)) {}

CaptureFileBlocks CaptureFileBlocks::from_stream(CaptureStream stream) {
  CaptureFileBlocks blocks(std::move(stream));
  blocks.refill(0);
  return blocks;
}

CaptureFileBlocks::CaptureFileBlocks(CaptureStream stream)
    : stream_(std::move(stream)), buffer_(new std::uint8_t[kBufferBytes]), capacity_(kBufferBytes) {}

CaptureStream CaptureFileBlocks::release_stream() {
  CaptureStream stream = std::exchange(stream_, CaptureStream{});
  complete_ = true;  // nothing more is read into the buffer
  return stream;
}

void CaptureFileBlocks::refill(std::size_t consumed) {
  start_ += std::min(consumed, end_ - start_);
  if (complete_ || failed_) return;
  // What is left is less than one block: moving it to the front is cheap and keeps one buffer.
  std::memmove(buffer_.get(), buffer_.get() + start_, end_ - start_);
  end_ -= start_;
  start_ = 0;
  if (stream_.file != nullptr) {
    // Until the buffer is full, or as soon as the stream has no more for now: a pipe's read gives
    // what the writer has written (at most the pipe's 64 KiB), and when nothing more is waiting the
    // buffer goes to the parser as it is. So a slow pipe (tcpdump -w - at a few packets a second)
    // is analysed as its packets come instead of once a whole buffer has arrived, and a fast one
    // still fills the buffer (a read that would wait is not begun while the parser could work).
    // Steps of at most kStreamStep, so that a decompressor on a slow pipe waits for no more than
    // that of output.
    while (end_ < capacity_) {
      const std::size_t asked = std::min(capacity_ - end_, kStreamStep);
      const ssize_t got = stream_.read_some(buffer_.get() + end_, asked);
      if (got <= 0) {  // the end, or an error the stream's state names (stream_error())
        complete_ = true;
        stream_failed_ = got < 0;
        return;
      }
      end_ += static_cast<std::size_t>(got);
      if (static_cast<std::size_t>(got) < asked && !stream_.more_waiting()) return;
    }
    return;
  }
  while (end_ < capacity_) {
    const ssize_t got = ::read(fd_, buffer_.get() + end_, capacity_ - end_);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      failed_ = true;
      return;
    }
    if (got == 0) {  // the end: a block it cuts short is damage, as libpcap says at that record
      complete_ = true;
      return;
    }
    end_ += static_cast<std::size_t>(got);
  }
}

CaptureFileBlocks::CaptureFileBlocks(CaptureFileBlocks&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      stream_(std::exchange(other.stream_, CaptureStream{})),
      size_(other.size_),
      buffer_(std::move(other.buffer_)),
      capacity_(other.capacity_),
      start_(other.start_),
      end_(other.end_),
      complete_(other.complete_),
      failed_(other.failed_),
      stream_failed_(other.stream_failed_) {}

CaptureFileBlocks& CaptureFileBlocks::operator=(CaptureFileBlocks&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    if (stream_.file != nullptr) std::fclose(stream_.file);
    fd_ = std::exchange(other.fd_, -1);
    stream_ = std::exchange(other.stream_, CaptureStream{});
    size_ = other.size_;
    buffer_ = std::move(other.buffer_);
    capacity_ = other.capacity_;
    start_ = other.start_;
    end_ = other.end_;
    complete_ = other.complete_;
    failed_ = other.failed_;
    stream_failed_ = other.stream_failed_;
  }
  return *this;
}

CaptureFileBlocks::~CaptureFileBlocks() {
  if (fd_ >= 0) ::close(fd_);
  if (stream_.file != nullptr) std::fclose(stream_.file);
}

}  // namespace sipmon
