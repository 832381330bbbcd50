#pragma once
// Character-set detection and conversion to UTF-8 (private to fcd_feed).
#include <string>
#include <string_view>

namespace fcd::feed::detail {

struct DecodedText {
  std::string storage;    // owns the converted bytes when a conversion was needed
  std::string_view text;  // valid UTF-8 without BOM: into storage or the input
  std::string encoding;   // the charset the bytes were read as
  std::string problem;    // non-empty when the bytes did not match the chosen charset
};

// Picks the charset (BOM, then the HTTP charset, then UTF-16/32 patterns, then the
// XML declaration, then UTF-8) and converts. Bytes invalid in that charset are
// read as windows-1252 instead, and failing that converted lossily (U+FFFD).
DecodedText decode_to_utf8(std::string_view bytes, std::string_view content_type);

// The lower-cased media type of a Content-Type header ("text/xml"), and its charset
// parameter (empty when absent).
std::string media_type(std::string_view content_type);
std::string charset_parameter(std::string_view content_type);

// True when text is valid UTF-8 (no overlongs, no surrogates, no values past U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace fcd::feed::detail
