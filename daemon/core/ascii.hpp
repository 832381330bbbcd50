#pragma once
// ASCII case folding and whitespace for protocol words: URL schemes and
// hosts, HTTP header names and values, XML and HTML names, config words.
// Locale-independent, unlike std::tolower and std::isspace, and inline: the
// feed parser calls them millions of times on a large feed.
#include <cstddef>
#include <string>
#include <string_view>

namespace fcd::core {

// Bytes and code points alike (the tokenizer asks about ICU's UChar32 before
// it asks ICU); a byte of a UTF-8 sequence is none of these.
inline bool is_ascii_digit(char32_t c) { return c >= '0' && c <= '9'; }
inline bool is_ascii_alpha(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_ascii_alnum(char32_t c) { return is_ascii_alpha(c) || is_ascii_digit(c); }

inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

inline std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// Nearly always called on words that differ in length or first letter.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// The whitespace XML, HTML and HTTP fold: space, tab, CR, LF, FF.
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

inline std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace fcd::core
