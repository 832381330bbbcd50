#pragma once
// Unicode normalisation and case folding (NFKC_Casefold, via ICU).
#include <string>
#include <string_view>

namespace fcd::text {

// Returns utf8 in NFKC with full case folding: "Straße" -> "strasse",
// full-width "ＡＢＣ" -> "abc", ligatures split. Pure ASCII takes a fast path.
// Invalid UTF-8 sequences become U+FFFD. Thread-safe.
std::string fold(std::string_view utf8);

}  // namespace fcd::text
