#pragma once
// Line splitting shared by the parser and the header readers.
#include <cstddef>
#include <cstring>
#include <algorithm>
#include <string_view>

namespace sipmon {

// Splits text into lines ended by CRLF, a bare LF or a bare CR (RFC 3261 wants CRLF; tshark and
// most stacks accept either alone, and so do we, so a sloppy sender is still counted). The position
// of the next LF is cached so that a message with CR-only line ends is scanned once, not once per
// line.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}

  // The line starting at `pos` without its line end; `next` receives where the following line
  // starts.
  std::string_view line_at(std::size_t pos, std::size_t& next) {
    if (!lf_known_ || lf_ < pos) {
      lf_ = find(pos, '\n', text_.size());
      lf_known_ = true;
    }
    const std::size_t cr = find(pos, '\r', lf_);
    std::size_t end = std::min(cr, lf_);
    if (end == text_.size()) {
      next = end;
    } else if (text_[end] == '\r' && end + 1 < text_.size() && text_[end + 1] == '\n') {
      next = end + 2;
    } else {
      next = end + 1;
    }
    return text_.substr(pos, end - pos);
  }

 private:
  // Index of `c` in [pos, limit), or text size when absent.
  std::size_t find(std::size_t pos, char c, std::size_t limit) const {
    if (pos >= limit) return text_.size();
    const void* hit = std::memchr(text_.data() + pos, c, limit - pos);
    return hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - text_.data()) : text_.size();
  }

  std::string_view text_;
  std::size_t lf_ = 0;
  bool lf_known_ = false;
};

}  // namespace sipmon
