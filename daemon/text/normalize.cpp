#include "text/normalize.hpp"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <stdexcept>

#include "core/ascii.hpp"

namespace fcd::text {

namespace {

const icu::Normalizer2& nfkc_casefold() {
  // ICU hands out a process-wide singleton; it is immutable and thread-safe.
  static const icu::Normalizer2* instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status)) throw std::runtime_error("ICU NFKC_Casefold data is missing");
    return n;
  }();
  return *instance;
}

}  // namespace

void fold(std::string_view utf8, std::string& out) {
  bool ascii = true;
  for (unsigned char c : utf8) ascii = ascii && c < 0x80;
  if (ascii) {
    for (char c : utf8) out.push_back(core::ascii_lower(c));
    return;
  }
  const icu::UnicodeString source =
      icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString folded = nfkc_casefold().normalize(source, status);
  if (U_FAILURE(status)) return;
  folded.toUTF8String(out);  // appends
}

}  // namespace fcd::text
