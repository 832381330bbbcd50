#include "text/language.hpp"

#include <cld2/public/compact_lang_det.h>

#include <array>
#include <string>
#include <utility>

#include "core/ascii.hpp"

namespace fcd::text {

namespace {

constexpr std::array<std::pair<std::string_view, Language>, 10> kCodes{{
    {"en", Language::kEnglish},
    {"de", Language::kGerman},
    {"fr", Language::kFrench},
    {"es", Language::kSpanish},
    {"it", Language::kItalian},
    {"pt", Language::kPortuguese},
    {"nl", Language::kDutch},
    {"ru", Language::kRussian},
    {"ja", Language::kJapanese},
    {"zh", Language::kChinese},
}};

}  // namespace

Language language_from_code(std::string_view code) {
  if (code.empty()) return Language::kUnknown;
  std::string primary;
  for (char c : code) {
    if (c == '-' || c == '_') break;
    primary.push_back(core::ascii_lower(c));
  }
  for (const auto& [name, language] : kCodes)
    if (primary == name) return language;
  return Language::kOther;
}

std::string_view language_code(Language language) {
  if (language == Language::kUnknown) return "";
  for (const auto& [name, known] : kCodes)
    if (known == language) return name;
  return "und";
}

Language detect_language(std::string_view utf8) {
  bool reliable = false;
  int valid_prefix = 0;
  const CLD2::Language found = CLD2::DetectLanguageCheckUTF8(
      utf8.data(), static_cast<int>(utf8.size()), /*is_plain_text=*/true, &reliable, &valid_prefix);
  // Short headlines rarely reach CLD2's "reliable" bar, yet its top guess is
  // usually right for them; only an unknown answer is discarded.
  switch (found) {
    case CLD2::ENGLISH: return Language::kEnglish;
    case CLD2::GERMAN: return Language::kGerman;
    case CLD2::FRENCH: return Language::kFrench;
    case CLD2::SPANISH: return Language::kSpanish;
    case CLD2::ITALIAN: return Language::kItalian;
    case CLD2::PORTUGUESE: return Language::kPortuguese;
    case CLD2::DUTCH: return Language::kDutch;
    case CLD2::RUSSIAN: return Language::kRussian;
    case CLD2::JAPANESE: return Language::kJapanese;
    case CLD2::CHINESE:
    case CLD2::CHINESE_T: return Language::kChinese;
    case CLD2::UNKNOWN_LANGUAGE: return Language::kUnknown;
    default: return Language::kOther;
  }
}

}  // namespace fcd::text
