#include "text/tokenize.hpp"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include "core/ascii.hpp"
#include "text/normalize.hpp"

namespace fcd::text {

namespace {

struct CodePoint {
  UChar32 value = -1;  // negative for an invalid sequence
  std::int32_t begin = 0;
  std::int32_t end = 0;
};

CodePoint next_code_point(std::string_view text, std::int32_t pos) {
  CodePoint cp;
  cp.begin = pos;
  // Most news text is ASCII: one byte, one code point, no decoder.
  if (const auto byte = static_cast<unsigned char>(text[static_cast<std::size_t>(pos)]); byte < 0x80) {
    cp.value = byte;
    cp.end = pos + 1;
    return cp;
  }
  U8_NEXT(reinterpret_cast<const std::uint8_t*>(text.data()), pos, static_cast<std::int32_t>(text.size()),
          cp.value);
  cp.end = pos;
  return cp;
}

bool is_cjk(UChar32 c) {
  if (c < 0x2E80) return false;  // fast path for Latin, Cyrillic, Greek, ...
  if (c == 0x30FC) return true;  // KATAKANA-HIRAGANA PROLONGED SOUND MARK (script Common)
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode script = uscript_getScript(c, &status);
  return U_SUCCESS(status) && (script == USCRIPT_HAN || script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA);
}

// ASCII answers without ICU: most news text is ASCII, and the ICU property
// lookups per code point were a third of tokenising.
using core::is_ascii_alnum;
using core::is_ascii_alpha;
using core::is_ascii_digit;

bool is_alpha(UChar32 c) { return c < 0x80 ? is_ascii_alpha(c) : u_isalpha(c) != 0; }
bool is_digit(UChar32 c) { return c < 0x80 ? is_ascii_digit(c) : u_isdigit(c) != 0; }
bool is_upper(UChar32 c) { return c < 0x80 ? c >= 'A' && c <= 'Z' : u_isupper(c) != 0; }
bool is_word_char(UChar32 c) {
  if (c < 0x80) return c >= 0 && (is_ascii_alpha(c) || is_ascii_digit(c));
  return u_isalnum(c) || u_getCombiningClass(c) != 0;
}
bool is_apostrophe(UChar32 c) { return c == '\'' || c == 0x2019; }
bool ends_sentence(UChar32 c) {
  return c == '.' || c == '!' || c == '?' || c == ':' || c == ';' || c == '"' || c == 0x201C ||
         c == 0x201D || c == 0x2018 || c == '\n' || c == '|' || c == 0x2014 || c == 0x3002;
}

class Tokenizer {
 public:
  // Room for a token every five bytes, about what prose holds, so the
  // tokens are not moved three or four times as the vector grows.
  Tokenizer(std::string_view text, Tokens& out) : text_(text), tokens_(out.list), folded_(out.folded) {
    tokens_.clear();
    folded_.clear();
    tokens_.reserve(text.size() / 5 + 1);
    folded_.reserve(text.size());
  }

  void run() {
    const auto size = static_cast<std::int32_t>(text_.size());
    std::int32_t pos = 0;
    while (pos < size) {
      // A run of ASCII letters and digits, most of news text, goes into the
      // word a byte at a time without decoding, script checks or a word-char
      // test per byte (what the general step below does for each of them).
      if (is_ascii_alnum(static_cast<unsigned char>(text_[static_cast<std::size_t>(pos)]))) {
        flush_cjk();
        if (word_.empty()) word_begin_ = pos;
        do {
          const char byte = text_[static_cast<std::size_t>(pos++)];
          note_letter(static_cast<unsigned char>(byte));
          word_.push_back(byte);
        } while (pos < size && is_ascii_alnum(static_cast<unsigned char>(text_[static_cast<std::size_t>(pos)])));
        continue;
      }
      const CodePoint cp = next_code_point(text_, pos);
      pos = cp.end;
      if (cp.value >= 0 && is_cjk(cp.value)) {
        flush_word();
        cjk_.push_back(cp);
        continue;
      }
      flush_cjk();
      if (is_word_char(cp.value)) {
        if (word_.empty()) word_begin_ = cp.begin;
        note_letter(cp.value);
        if (cp.end - cp.begin == 1)
          word_.push_back(text_[static_cast<std::size_t>(cp.begin)]);
        else
          word_.append(text_.substr(static_cast<std::size_t>(cp.begin), static_cast<std::size_t>(cp.end - cp.begin)));
        continue;
      }
      if (!word_.empty() && pos < size) {
        const CodePoint next = next_code_point(text_, pos);
        // "80,000" and "2.5" stay one number; "U.S." and "U.K." one acronym.
        if ((cp.value == '.' || cp.value == ',') && last_was_digit_ && next.value >= 0 && is_digit(next.value)) {
          if (cp.value == '.') word_.push_back('.');  // a decimal point; a thousands comma goes
          continue;
        }
        if (cp.value == '.' && segment_letters_ == 1 && !last_was_digit_ && next.value >= 0 && is_alpha(next.value)) {
          segment_letters_ = 0;
          continue;
        }
        if (is_apostrophe(cp.value) && (next.value == 's' || next.value == 'S')) {
          const CodePoint after = next.end < size ? next_code_point(text_, next.end) : CodePoint{};
          if (!is_word_char(after.value)) pos = next.end;  // possessive 's
        }
      }
      flush_word();
      if (ends_sentence(cp.value)) sentence_start_ = true;
    }
    flush_word();
    flush_cjk();
  }

 private:
  void note_letter(UChar32 c) {
    const bool letter = is_alpha(c);
    last_was_digit_ = is_digit(c);
    if (word_.empty()) {
      capitalised_ = is_upper(c) || (c >= 0x80 && u_istitle(c));
      letters_ = upper_ = digits_ = 0;
      segment_letters_ = 0;
    }
    if (letter) {
      ++letters_;
      ++segment_letters_;
      if (is_upper(c)) ++upper_;
    } else if (last_was_digit_) {
      ++digits_;
    }
  }

  void fold_text(Token& token, std::string_view source) {
    token.text_begin = static_cast<std::uint32_t>(folded_.size());
    fold(source, folded_);
    token.text_size = static_cast<std::uint32_t>(folded_.size() - token.text_begin);
  }

  void flush_word() {
    if (word_.empty()) return;
    Token token;
    fold_text(token, word_);
    token.kind = letters_ == 0 && digits_ > 0 ? Token::Kind::kNumber : Token::Kind::kWord;
    token.capitalised = capitalised_;
    token.all_caps = letters_ >= 2 && upper_ == letters_;
    token.sentence_start = sentence_start_;
    token.offset = static_cast<std::uint32_t>(word_begin_);
    tokens_.push_back(std::move(token));
    word_.clear();
    sentence_start_ = false;
    last_was_digit_ = false;
  }

  void flush_cjk() {
    if (cjk_.empty()) return;
    auto slice = [this](const CodePoint& a, const CodePoint& b) {
      return text_.substr(static_cast<std::size_t>(a.begin), static_cast<std::size_t>(b.end - a.begin));
    };
    const std::size_t count = cjk_.size() == 1 ? 1 : cjk_.size() - 1;
    for (std::size_t i = 0; i < count; ++i) {
      Token token;
      fold_text(token, slice(cjk_[i], cjk_[std::min(i + 1, cjk_.size() - 1)]));
      token.kind = Token::Kind::kCjk;
      token.sentence_start = sentence_start_ && i == 0;
      token.offset = static_cast<std::uint32_t>(cjk_[i].begin);
      tokens_.push_back(std::move(token));
    }
    cjk_.clear();
    sentence_start_ = false;
  }

  std::string_view text_;
  std::vector<Token>& tokens_;
  std::string& folded_;
  std::string word_;
  std::int32_t word_begin_ = 0;
  std::vector<CodePoint> cjk_;
  bool sentence_start_ = true;
  bool capitalised_ = false;
  bool last_was_digit_ = false;
  int letters_ = 0, upper_ = 0, digits_ = 0, segment_letters_ = 0;
};

}  // namespace

void tokenize(std::string_view utf8, Tokens& out) { Tokenizer(utf8, out).run(); }

}  // namespace fcd::text
