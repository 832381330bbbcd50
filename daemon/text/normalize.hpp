#pragma once
// Unicode normalisation and case folding (NFKC_Casefold, via ICU).
#include <string>
#include <string_view>

namespace fcd::text {

// Appends utf8 in NFKC with full case folding to out: "Straße" -> "strasse",
// full-width "ＡＢＣ" -> "abc", ligatures split. Pure ASCII takes a fast path.
// Invalid UTF-8 sequences become U+FFFD. Appending lets the tokenizer keep
// every token's text in one string. Thread-safe.
void fold(std::string_view utf8, std::string& out);

}  // namespace fcd::text
