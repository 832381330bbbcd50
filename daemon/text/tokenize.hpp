#pragma once
// Tokenisation of news text into folded words, numbers and CJK bigrams, keeping
// the case and position facts that news signals (names, numbers) need.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fcd::text {

struct Token {
  enum class Kind : std::uint8_t {
    kWord,    // letters (and digits mixed in: "covid19", "f-35" -> "f", "35")
    kNumber,  // digits with inner separators: "2.5", "80,000" (kept as "80000")
    kCjk,     // a bigram (or a lone character) of Han, Hiragana or Katakana
  };
  std::string text;           // folded (NFKC_Casefold); acronym dots removed ("U.S." -> "us")
  Kind kind = Kind::kWord;
  bool capitalised = false;   // first letter upper or title case in the source
  bool all_caps = false;      // two or more letters, all upper case ("NATO")
  bool sentence_start = false;  // first token of the text or after . ! ? : or a quote
  std::uint32_t offset = 0;   // byte offset in the input
};

// Splits UTF-8 text. Punctuation separates tokens and is dropped; an apostrophe
// inside a word ends it and a trailing "s" after it is dropped ("Trump's" ->
// "trump"). Runs of CJK characters become overlapping character bigrams, the
// usual stand-in for word segmentation in retrieval. Invalid UTF-8 bytes are
// treated as separators. Never throws except std::bad_alloc.
std::vector<Token> tokenize(std::string_view utf8);

}  // namespace fcd::text
