// libFuzzer target: the whole feed parser (encodings, XML, JSON Feed, text
// extraction, URLs, dates, ids) and the OPML reader. The first byte picks the
// HTTP Content-Type so the charset paths are reached too. Besides crashes it
// checks the field policy (issue 18): safe URLs, no control characters.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "feed/feed.hpp"
#include "feed/opml.hpp"
#include "feed/text_util.hpp"
#include "url/url.hpp"

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
  // What leaves the parser obeys the field policy: URLs are their own safe
  // form (http(s) or scheme-less, no control characters), text has no
  // control characters.
  const auto check_url = [](const std::string& url) {
    if (!url.empty() && fcd::url::safe(url) != url) __builtin_trap();
  };
  const auto check_text = [](const std::string& text) {
    if (fcd::feed::detail::has_control_characters(text)) __builtin_trap();
  };
  check_url(feed.link);
  check_text(feed.title);
  check_text(feed.bozo_message);
  for (const auto& entry : feed.entries) {
    if (entry.id.empty()) __builtin_trap();  // every entry must have an id
    check_url(entry.link);
    check_url(entry.thumbnail);
    for (const auto& enclosure : entry.enclosures) check_url(enclosure.url);
    for (const std::string* text : {&entry.id, &entry.title, &entry.author, &entry.summary, &entry.content,
                                    &entry.content_html})
      check_text(*text);
  }
  const fcd::feed::OpmlParseResult opml = fcd::feed::parse_opml(bytes);
  for (const auto& subscription : opml.feeds) {
    check_url(subscription.xml_url);
    check_text(subscription.title);
  }
  return 0;
}
