#pragma once
// The one structure-aware scan behind every "find the next separator" in SIP header values: a
// comma or semicolon inside a quoted string ("a, b" display names, Reason text="x;y") or, for
// value lists, inside a <URI> (which may carry its own ',' and ';') is not a separator.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sipmon {

// Index of the first byte in [from, text.size()) equal to one of a, b, c, d (repeat one to look
// for fewer), or text.size(). Header values are scanned this way several times per message: 16
// bytes a step where SSE2 is there (every x86-64), the last step re-reading bytes already searched
// rather than reading past the text. (An 8-byte SWAR step for short texts was tried: more
// instructions than the byte loop for the 5-15 byte parameters seen here.)
inline std::size_t find_first_of4(std::string_view text, std::size_t from, char a, char b, char c, char d) {
  const char* data = text.data();
  const std::size_t size = text.size();
  std::size_t pos = from;
#if defined(__SSE2__)
  const __m128i va = _mm_set1_epi8(a);
  const __m128i vb = _mm_set1_epi8(b);
  const __m128i vc = _mm_set1_epi8(c);
  const __m128i vd = _mm_set1_epi8(d);
  while (pos + 16 <= size) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + pos));
    const __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(chunk, va), _mm_cmpeq_epi8(chunk, vb)),
                                      _mm_or_si128(_mm_cmpeq_epi8(chunk, vc), _mm_cmpeq_epi8(chunk, vd)));
    const int mask = _mm_movemask_epi8(hits);
    if (mask != 0) return pos + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    pos += 16;
  }
  if (pos < size && size >= 16) {
    const std::size_t base = size - 16;
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + base));
    const __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(chunk, va), _mm_cmpeq_epi8(chunk, vb)),
                                      _mm_or_si128(_mm_cmpeq_epi8(chunk, vc), _mm_cmpeq_epi8(chunk, vd)));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hits)) >> (pos - base) << (pos - base);
    return mask != 0 ? base + static_cast<std::size_t>(__builtin_ctz(mask)) : size;
  }
#endif
  for (; pos < size; ++pos) {
    const char x = data[pos];
    if (x == a || x == b || x == c || x == d) return pos;
  }
  return size;
}

enum class Nesting {
  quotes,             // skip quoted strings only (parameters: the URI is already behind us)
  quotes_and_angles,  // skip quoted strings and <...> (comma-separated value lists)
};

// Index of the first byte at or after `from` that is one of `stops` (one or two characters, never
// '"' or '\\') and not nested as `nesting` says, or npos. A backslash inside quotes escapes the next
// byte.
// Forced inline: every caller passes constant stops and nesting, which then fold into the vector
// compares (callgrind: 4 897 -> 4 696 instructions per INVITE parse, 4 742 -> 4 410 per 200 OK).
// Forcing find_first_of4 itself inline everywhere did not pay (docs/performance.md).
__attribute__((always_inline)) inline std::size_t find_unnested(std::string_view text, std::size_t from,
                                                                std::string_view stops, Nesting nesting) {
  if (from >= text.size() || stops.empty()) return std::string_view::npos;
  const bool angles = nesting == Nesting::quotes_and_angles;
  const char stop0 = stops[0];
  const char stop1 = stops.size() > 1 ? stops[1] : stop0;
  // One vector scan finds the first byte that is a stop or opens a nesting; only from a '"' or
  // '<' on (rare: display names, URIs in lists) does the byte-wise state machine run.
  std::size_t i = find_first_of4(text, from, stop0, stop1, '"', angles ? '<' : '"');
  if (i == text.size()) return std::string_view::npos;
  if (text[i] == stop0 || text[i] == stop1) return i;
  if (!angles) {
    // text[i] opens a quoted string (a display name: From: "Caller" <sip:...>;tag=...). Jump from
    // quote to quote with the same vector scan instead of walking it byte by byte, then look for a
    // stop again after it (callgrind, load capture: name_addr_tag, From and To, 586 -> 402
    // instructions a message, with find_param below reading the whole value).
    for (;;) {
      std::size_t close = i + 1;
      for (;;) {
        close = find_first_of4(text, close, '"', '\\', '"', '\\');
        if (close >= text.size()) return std::string_view::npos;  // never closed
        if (text[close] == '"') break;
        close += 2;  // a backslash escapes the byte after it
      }
      i = find_first_of4(text, close + 1, stop0, stop1, '"', '"');
      if (i == text.size()) return std::string_view::npos;
      if (text[i] != '"') return i;
    }
  }
  bool quoted = false;
  int angle = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (angles && c == '<') {
      ++angle;
    } else if (angles && c == '>') {
      if (angle > 0) --angle;
    } else if (angle == 0 && (c == stop0 || c == stop1)) {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace sipmon
