#pragma once
// Line splitting shared by the parser and the header readers.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sipmon {

// Splits text into lines ended by CRLF, a bare LF or a bare CR (RFC 3261 wants CRLF; tshark and
// most stacks accept either alone, and so do we, so a sloppy sender is still counted). One pass
// finds the first CR or LF, 16 bytes at a time where SSE2 is there (every x86-64): this runs over
// every header byte of every message.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}

  // The line starting at `pos` without its line end; `next` receives where the following line
  // starts.
  std::string_view line_at(std::size_t pos, std::size_t& next) const {
    const std::size_t end = find_line_end(pos);
    if (end == text_.size()) {
      next = end;
    } else if (text_[end] == '\r' && end + 1 < text_.size() && text_[end + 1] == '\n') {
      next = end + 2;
    } else {
      next = end + 1;
    }
    return text_.substr(pos, end - pos);
  }

  // A header line starting at `pos` with the continuation lines folded into it (RFC 3261 §7.3.1:
  // a line starting with SP or HT continues the previous header's value).
  struct HeaderLine {
    std::string_view first;  // the first line alone, without its line end
    std::size_t value_end;   // end of the last continuation line (without its line end)
    std::size_t next;        // where the following header line starts
  };
  HeaderLine header_at(std::size_t pos) const {
    HeaderLine out;
    out.first = line_at(pos, out.next);
    out.value_end = pos + out.first.size();
    while (out.next < text_.size() && (text_[out.next] == ' ' || text_[out.next] == '\t')) {
      std::size_t after = 0;
      const std::string_view continuation = line_at(out.next, after);
      out.value_end = out.next + continuation.size();
      out.next = after;
    }
    return out;
  }

  // Where the line starting at `pos` has its first line end and its colons, from one 16-byte load:
  // bit i stands for byte pos + i, for the bytes of [pos, pos + 16) inside the text (none past its
  // end). The parser's header loop asks both questions of every header line; one load answers the
  // colon (a header name is nearly always under 16 bytes) and most of the line end's search.
  struct LineMasks {
    unsigned breaks = 0;  // CR or LF
    unsigned colons = 0;  // ':'
  };
  LineMasks masks_at(std::size_t pos) const {
    const char* data = text_.data();
    const std::size_t size = text_.size();
    LineMasks out;
#if defined(__SSE2__)
    if (size >= 16) {
      // Near the end, the text's last 16 bytes, shifted so that bit 0 is `pos`: never a read past it.
      const std::size_t base = pos + 16 <= size ? pos : size - 16;
      const unsigned shift = static_cast<unsigned>(pos - base);
      const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + base));
      const __m128i breaks =
          _mm_or_si128(_mm_cmpeq_epi8(chunk, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(chunk, _mm_set1_epi8('\n')));
      out.breaks = static_cast<unsigned>(_mm_movemask_epi8(breaks)) >> shift;
      out.colons = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, _mm_set1_epi8(':')))) >> shift;
      return out;
    }
#endif
    const std::size_t stop = std::min(size, pos + 16);
    for (std::size_t i = pos; i < stop; ++i) {
      if (data[i] == '\r' || data[i] == '\n') out.breaks |= 1u << (i - pos);
      if (data[i] == ':') out.colons |= 1u << (i - pos);
    }
    return out;
  }

  // Index of the first CR or LF at or after `pos`, or the text size.
  std::size_t find_line_end(std::size_t pos) const {
    const char* data = text_.data();
    const std::size_t size = text_.size();
#if defined(__SSE2__)
    const __m128i cr = _mm_set1_epi8('\r');
    const __m128i lf = _mm_set1_epi8('\n');
    while (pos + 16 <= size) {
      const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + pos));
      const int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(chunk, cr), _mm_cmpeq_epi8(chunk, lf)));
      if (mask != 0) return pos + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
      pos += 16;
    }
#endif
    while (pos < size && data[pos] != '\r' && data[pos] != '\n') ++pos;
    return pos < size ? pos : size;
  }

  // Where the line after a line end at `end` starts: past CRLF, a bare CR or a bare LF.
  std::size_t after_line_end(std::size_t end) const {
    if (end == text_.size()) return end;
    return end + (text_[end] == '\r' && end + 1 < text_.size() && text_[end + 1] == '\n' ? 2 : 1);
  }

  // Index of the first ':' in the line [pos, pos + length), or npos. Header names are short: one
  // 16-byte compare settles nearly every line without a call into memchr.
  std::size_t find_colon(std::size_t pos, std::size_t length) const {
#if defined(__SSE2__)
    if (pos + 16 <= text_.size()) {
      const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text_.data() + pos));
      unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, _mm_set1_epi8(':'))));
      if (length < 16) mask &= (1u << length) - 1;
      if (mask != 0) return static_cast<std::size_t>(__builtin_ctz(mask));
      if (length <= 16) return std::string_view::npos;
    }
#endif
    const void* colon = std::memchr(text_.data() + pos, ':', length);
    return colon ? static_cast<std::size_t>(static_cast<const char*>(colon) - (text_.data() + pos))
                 : std::string_view::npos;
  }

 private:
  std::string_view text_;
};

}  // namespace sipmon
