#pragma once
// Function words that carry no topic, per language (folded forms).
#include <string_view>

#include "text/language.hpp"

namespace fcd::text {

// True when word (already folded) is a stop word of language. Languages
// without a list (kUnknown, kOther, kJapanese, kChinese) use the English one,
// since English function words are the commonest in mixed feeds. Thread-safe.
bool is_stop_word(Language language, std::string_view word);

}  // namespace fcd::text
