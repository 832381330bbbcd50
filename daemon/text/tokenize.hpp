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
  Kind kind = Kind::kWord;
  bool capitalised = false;   // first letter upper or title case in the source
  bool all_caps = false;      // two or more letters, all upper case ("NATO")
  bool sentence_start = false;  // first token of the text or after . ! ? : or a quote
  std::uint32_t offset = 0;   // byte offset in the input
  // Its text, folded (NFKC_Casefold), acronym dots removed ("U.S." -> "us"):
  // Tokens::folded[text_begin, text_begin + text_size).
  std::uint32_t text_begin = 0, text_size = 0;
};

// The tokens of a text. Their texts lie end to end in one string instead of
// a std::string each, which cost an allocation or a copy per token.
struct Tokens {
  std::vector<Token> list;
  std::string folded;

  // A token's text: a view into folded, valid until these Tokens change.
  std::string_view text(const Token& t) const { return {folded.data() + t.text_begin, t.text_size}; }
};

// Splits UTF-8 text. Punctuation separates tokens and is dropped; an apostrophe
// inside a word ends it and a trailing "s" after it is dropped ("Trump's" ->
// "trump"). Runs of CJK characters become overlapping character bigrams, the
// usual stand-in for word segmentation in retrieval. Invalid UTF-8 bytes are
// treated as separators. Never throws except std::bad_alloc.
// Replaces the contents of out, keeping its capacity: a caller that reuses one
// Tokens stops allocating once it has met its longest text.
void tokenize(std::string_view utf8, Tokens& out);

// The same, into new Tokens.
inline Tokens tokenize(std::string_view utf8) {
  Tokens out;
  tokenize(utf8, out);
  return out;
}

}  // namespace fcd::text
