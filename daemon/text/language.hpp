#pragma once
// Languages the text pipeline knows, their ISO 639-1 codes, and detection for
// items whose feed does not name a language.
#include <cstdint>
#include <string_view>

namespace fcd::text {

enum class Language : std::uint8_t {
  kUnknown,
  kEnglish,
  kGerman,
  kFrench,
  kSpanish,
  kItalian,
  kPortuguese,
  kDutch,
  kRussian,
  kJapanese,
  kChinese,
  kOther,  // a real language without stemmer or stop words here
};

// "en", "EN", "en-US", "pt_BR" -> the language; empty -> kUnknown; any other
// well-formed code -> kOther.
Language language_from_code(std::string_view code);

// ISO 639-1 code ("en"); "" for kUnknown, "und" for kOther.
std::string_view language_code(Language language);

// Guesses the language of UTF-8 text with CLD2 (its compact model, built into
// Debian's libcld2). Returns kUnknown when the text is too short or not valid
// UTF-8 for a reliable guess. Thread-safe; no allocation.
Language detect_language(std::string_view utf8);

}  // namespace fcd::text
