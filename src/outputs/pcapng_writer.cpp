#include "outputs/pcapng_writer.h"

#include <algorithm>
#include <array>

#include "formats/capture_file_format.h"

namespace sipmon {
namespace {

using namespace capture_format;

constexpr std::size_t padded(std::size_t n) { return (n + 3) & ~static_cast<std::size_t>(3); }

}  // namespace

bool PcapngWriter::put(const void* data, std::size_t size) { return std::fwrite(data, 1, size, out_) == size; }

bool PcapngWriter::write_section_header() {
  struct {
    std::uint32_t type = kSectionHeaderBlock;
    std::uint32_t length = 28;
    std::uint32_t magic = kByteOrderMagic;
    std::uint16_t major = 1;
    std::uint16_t minor = 0;
    std::uint32_t section_length[2] = {0xffffffff, 0xffffffff};  // -1: not known while streaming
    std::uint32_t trailing_length = 28;
  } block;
  static_assert(sizeof block == 28);
  return put(&block, sizeof block);
}

bool PcapngWriter::write_interface(std::uint32_t link_type) {
  struct {
    std::uint32_t type = kInterfaceDescriptionBlock;
    std::uint32_t length = 32;
    std::uint16_t link_type = 0;
    std::uint16_t reserved = 0;
    std::uint32_t snap_length = kMaxSnapLength;
    std::uint16_t tsresol_code = kOptionTsresol;
    std::uint16_t tsresol_length = 1;
    std::uint8_t tsresol[4] = {9, 0, 0, 0};  // 10^-9 s; value then padding to 32 bits
    std::uint16_t end_code = kOptionEnd;
    std::uint16_t end_length = 0;
    std::uint32_t trailing_length = 32;
  } block;
  static_assert(sizeof block == 32);
  block.link_type = static_cast<std::uint16_t>(link_type);
  block.tsresol[0] = nanosecond_ ? 9 : 6;
  interfaces_.push_back(link_type);
  return put(&block, sizeof block);
}

bool PcapngWriter::write(const Frame& frame) {
  auto found = std::find(interfaces_.begin(), interfaces_.end(), frame.link_type);
  if (found == interfaces_.end()) {
    if (!write_interface(frame.link_type)) return false;
    found = interfaces_.end() - 1;
  }
  const auto captured = static_cast<std::uint32_t>(frame.data.size());
  const auto length = static_cast<std::uint32_t>(32 + padded(captured));
  const auto ts = static_cast<std::uint64_t>(nanosecond_ ? frame.ts_ns : frame.ts_ns / 1000);
  const std::array<std::uint32_t, 7> header = {
      kEnhancedPacketBlock,
      length,
      static_cast<std::uint32_t>(found - interfaces_.begin()),
      static_cast<std::uint32_t>(ts >> 32),
      static_cast<std::uint32_t>(ts),
      captured,
      std::max(frame.wire_len, captured),
  };
  static constexpr std::uint8_t kZeros[4] = {};
  return put(header.data(), sizeof header) && put(frame.data.data(), captured) &&
         put(kZeros, padded(captured) - captured) && put(&length, sizeof length);
}

}  // namespace sipmon
