// Every file under tests/feed/data/ (fixtures and inputs the fuzzers once crashed
// on, kept in data/regressions/) goes through every public entry point; outputs
// must be valid UTF-8 and every entry must have an id.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/time.hpp"
#include "feed/discovery.hpp"
#include "feed/feed.hpp"
#include "feed/html.hpp"
#include "feed/opml.hpp"
#include "url/url.hpp"
#include "test_util.hpp"

namespace fcd::feed {
namespace {

bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n;
    if (c < 0x80) n = 0;
    else if ((c >> 5) == 6) n = 1;
    else if ((c >> 4) == 14) n = 2;
    else if ((c >> 3) == 30) n = 3;
    else return false;
    if (i + n >= text.size() + (n == 0 ? 1 : 0) && n > 0) return false;
    for (std::size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    i += n + 1;
  }
  return true;
}

TEST(Regressions, EveryInputThroughEveryEntryPoint) {
  const std::filesystem::path root = std::filesystem::path(FCD_SOURCE_DIR) / "tests/feed/data";
  std::size_t files = 0;
  for (const auto& item : std::filesystem::recursive_directory_iterator(root)) {
    if (!item.is_regular_file()) continue;
    ++files;
    const std::string relative = std::filesystem::relative(item.path(), root).string();
    const std::string bytes = test::fixture(relative);
    ParseOptions options;
    options.base_url = "https://base.example/dir/";
    const ParsedFeed feed = parse_feed(bytes, options);
    EXPECT_TRUE(valid_utf8(feed.title)) << relative;
    EXPECT_TRUE(valid_utf8(feed.bozo_message)) << relative;
    for (const Entry& entry : feed.entries) {
      EXPECT_FALSE(entry.id.empty()) << relative;
      EXPECT_TRUE(valid_utf8(entry.title) && valid_utf8(entry.summary) && valid_utf8(entry.content) &&
                  valid_utf8(entry.content_html))
          << relative;
    }
    EXPECT_EQ(feed.bozo, !feed.bozo_message.empty()) << relative;
    const std::string_view head = std::string_view(bytes).substr(0, 4096);
    // The fuzzers' own invariants: dates survive a format/parse round trip and
    // canonical URLs are fixed points.
    if (const auto date = core::parse_date(head.substr(0, 128))) {
      EXPECT_EQ(core::parse_date(core::format_rfc3339(*date)), date) << relative;
    }
    const std::size_t split = head.find('\n');
    const std::string resolved = url::resolve(split == std::string_view::npos ? std::string_view{} : head.substr(0, split),
                                             split == std::string_view::npos ? head : head.substr(split + 1));
    if (const auto canonical = url::canonicalize(resolved)) {
      EXPECT_EQ(url::canonicalize(*canonical), canonical) << relative;
    }
    url::resolve(options.base_url, head);
    const std::string clean = sanitize_html(head, options.base_url);
    EXPECT_EQ(sanitize_html(clean, options.base_url), clean) << relative << ": sanitising twice changed the output";
    html_to_text(head);
    find_feed_links(head);
    parse_opml(bytes);
  }
  EXPECT_GT(files, 10u);
}

}  // namespace
}  // namespace fcd::feed
