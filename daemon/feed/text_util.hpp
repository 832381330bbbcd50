#pragma once
// Small UTF-8 helpers shared by the parser's translation units (private).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fcd::feed::detail {

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
