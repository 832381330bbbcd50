#pragma once
// Small UTF-8 helpers shared by the parser's translation units (private).
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/ascii.hpp"

namespace fcd::feed::detail {

// What the bytes 0x80-0x9F mean in windows-1252 (WHATWG: the five undefined
// ones map to the C1 control of the same value). Shared by charset decoding,
// numeric references such as &#146; and mojibake repair.
inline constexpr std::array<std::uint16_t, 32> kWindows1252C1 = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

// Appends the UTF-8 form of cp; surrogates, 0 and values past U+10FFFF become U+FFFD.
void append_utf8(std::string& out, std::uint32_t cp);

// The longest prefix of text no longer than max_bytes that ends on a UTF-8 boundary.
std::size_t utf8_cut(std::string_view text, std::size_t max_bytes);

// The length of the leading run of ASCII bytes, sixteen bytes at a time where
// SSE2 is there: nearly all feed text is ASCII, and the checks that only matter
// for other bytes start where this stops. The first non-ASCII byte of a block
// is found from the block's mask, not byte by byte: UTF-8 validation of a feed
// with a name or a curly quote in every item stops here tens of thousands of
// times.
inline std::size_t ascii_prefix_length(std::string_view text) {
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* p = begin;
#ifdef __SSE2__
  for (; end - p >= 16; p += 16) {
    if (const int high = _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); high != 0)
      return static_cast<std::size_t>(p - begin) + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(high)));
  }
#else
  for (std::uint64_t chunk; end - p >= 8; p += 8) {
    std::memcpy(&chunk, p, 8);
    if ((chunk & 0x8080808080808080ULL) != 0) break;
  }
#endif
  while (p < end && static_cast<unsigned char>(*p) < 0x80) ++p;
  return static_cast<std::size_t>(p - begin);
}

// Case folding and whitespace are the daemon-wide ASCII helpers.
using core::ascii_lower;
using core::iequals;
using core::is_space;
using core::to_lower;
using core::trim;

}  // namespace fcd::feed::detail

namespace fcd::feed::detail {

// True for the characters plain text must not carry: C0 controls other than tab
// and newline (ESC, BEL and CR among them), DEL, and C1 controls (U+0080-U+009F,
// which some terminals obey as ESC sequences). Text is UTF-8.
bool has_control_characters(std::string_view text);

// Removes those characters from text in place; everything else is kept as it is.
void remove_control_characters(std::string& text);

}  // namespace fcd::feed::detail
