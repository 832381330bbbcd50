#pragma once
// Small UTF-8 helpers shared by the parser's translation units (private).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

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

// True for the ASCII whitespace XML and HTML fold: space, tab, CR, LF, FF.
inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view text);
std::string_view trim(std::string_view text);

}  // namespace fcd::feed::detail
