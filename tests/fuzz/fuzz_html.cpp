// libFuzzer target: HTML to text, the sanitiser and feed link discovery. The
// sanitiser's output must contain no <script element, no javascript: URL and no
// event attribute (text cannot fake these: the sanitiser escapes < and ").
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "feed/discovery.hpp"
#include "feed/html.hpp"

namespace {

bool contains_folded(std::string_view haystack, std::string_view needle) {
  std::string lower(haystack);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return lower.find(needle) != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view html(reinterpret_cast<const char*>(data), size);
  fcd::feed::html_to_text(html);
  fcd::feed::decode_html_entities(html);
  const std::string clean = fcd::feed::sanitize_html(html, "https://fuzz.example/a/");
  if (contains_folded(clean, "<script") || contains_folded(clean, "=\"javascript:") ||
      contains_folded(clean, " onerror=\"") || contains_folded(clean, " onclick=\""))
    __builtin_trap();
  fcd::feed::find_feed_links(html, "https://fuzz.example/");
  return 0;
}
