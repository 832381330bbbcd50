// libFuzzer target: the whole feed parser (encodings, XML, JSON Feed, text
// extraction, URLs, dates, ids) and the OPML reader. The first byte picks the
// HTTP Content-Type so the charset paths are reached too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "feed/feed.hpp"
#include "feed/opml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr const char* kContentTypes[] = {
      "", "application/rss+xml; charset=utf-8", "text/xml; charset=windows-1252", "application/atom+xml",
      "text/html; charset=utf-16", "application/xml; charset=shift_jis", "application/feed+json", "text/plain"};
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  fcd::feed::ParseOptions options;
  if (!bytes.empty()) {
    options.content_type = kContentTypes[static_cast<unsigned char>(bytes.front()) % 8];
    options.base_url = (bytes.front() & 8) ? "https://fuzz.example/dir/feed.xml" : "";
  }
  options.limits.max_entries = 1000;
  options.limits.max_field_bytes = 64 << 10;
  const fcd::feed::ParsedFeed feed = fcd::feed::parse_feed(bytes, options);
  for (const auto& entry : feed.entries)
    if (entry.id.empty()) __builtin_trap();  // every entry must have an id
  fcd::feed::parse_opml(bytes);
  return 0;
}
