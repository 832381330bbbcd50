#include <gtest/gtest.h>

#include "feed/opml.hpp"
#include "test_util.hpp"

namespace fcd::feed {
namespace {

TEST(Opml, ReadsNestedCategoriesAsTags) {
  const OpmlParseResult result = parse_opml(test::fixture("subscriptions.opml"));
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.title, "My feeds");
  ASSERT_EQ(result.feeds.size(), 3u);
  EXPECT_EQ(result.feeds[0].xml_url, "https://top.example/feed");
  EXPECT_EQ(result.feeds[0].html_url, "https://top.example/");
  EXPECT_TRUE(result.feeds[0].tags.empty());
  EXPECT_EQ(result.feeds[1].title, "Wire service");
  EXPECT_EQ(result.feeds[1].tags, (std::vector<std::string>{"News", "World", "Breaking", "Daily"}));
  EXPECT_EQ(result.feeds[2].title, "Local");
  EXPECT_EQ(result.feeds[2].tags, (std::vector<std::string>{"News"}));
}

TEST(Opml, WriteThenReadRoundTrips) {
  const std::vector<OpmlFeed> feeds = {
      {"https://a.example/rss?x=1&y=2", "https://a.example/", "A & \"B\"", {}},
      {"https://b.example/atom", "", "B", {"News", "World"}},
      {"https://c.example/feed", "", "C", {"News"}},
      {"https://d.example/feed", "", "D", {"News", "World"}},
  };
  const OpmlParseResult back = parse_opml(write_opml(feeds, "Mine <3"));
  ASSERT_TRUE(back.ok) << back.error;
  EXPECT_EQ(back.title, "Mine <3");
  ASSERT_EQ(back.feeds.size(), feeds.size());
  for (const OpmlFeed& original : feeds) {
    bool found = false;
    for (const OpmlFeed& read : back.feeds) {
      if (read.xml_url != original.xml_url) continue;
      found = true;
      EXPECT_EQ(read.html_url, original.html_url);
      EXPECT_EQ(read.title, original.title);
      EXPECT_EQ(read.tags, original.tags);
    }
    EXPECT_TRUE(found) << original.xml_url;
  }
}

TEST(Opml, RejectsNonOpml) {
  EXPECT_FALSE(parse_opml("<rss version=\"2.0\"/>").ok);
  EXPECT_FALSE(parse_opml("").ok);
  EXPECT_FALSE(parse_opml("\x89PNG\r\n").ok);
}

}  // namespace
}  // namespace fcd::feed
