// Issue 18, the feed side: documents written to cost the reader time or memory,
// or to smuggle scripts and terminal controls through the parsed fields.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "feed/discovery.hpp"
#include "feed/feed.hpp"
#include "feed/opml.hpp"
#include "feed/text_util.hpp"

namespace fcd::feed {
namespace {

using SteadyClock = std::chrono::steady_clock;

// One internal entity of entity_kib KiB referenced `references` times inside
// the description of the second item; the first item comes before it.
std::string entity_bomb(std::size_t entity_kib, std::size_t references) {
  std::string doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY big \"" + std::string(entity_kib << 10, 'A') +
                    "\">]>\n<rss version=\"2.0\"><channel><title>bomb</title>"
                    "<item><title>before</title><link>http://example.com/1</link></item>"
                    "<item><title>bomb</title><description>";
  for (std::size_t i = 0; i < references; ++i) doc += "&big;";
  doc += "</description></item></channel></rss>";
  return doc;
}

// Row 1: a 200 KiB entity referenced 3,000 times is 600 MB of text; libxml2
// checks the amplification of the first reference only.
TEST(HostileFeed, EntityExpansionStopsAtTheBudget) {
  const std::string doc = entity_bomb(200, 3000);
  const auto started = SteadyClock::now();
  const ParsedFeed feed = parse_feed(doc);
  const auto elapsed = SteadyClock::now() - started;
  EXPECT_TRUE(feed.bozo);
  EXPECT_NE(feed.bozo_message.find("entity expansion past"), std::string::npos) << feed.bozo_message;
  EXPECT_TRUE(feed.truncated);
  // What was read before the budget ran out is kept.
  ASSERT_GE(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].title, "before");
  EXPECT_LT(elapsed, std::chrono::seconds{5});
}

TEST(HostileFeed, EntityBudgetIsAnOption) {
  ParseOptions options;
  options.limits.max_entity_bytes = 1u << 30;
  const ParsedFeed feed = parse_feed(entity_bomb(1, 100), options);
  EXPECT_FALSE(feed.bozo) << feed.bozo_message;
  ASSERT_EQ(feed.entries.size(), 2u);
  EXPECT_EQ(feed.entries[1].summary, std::string(100 << 10, 'A'));
  options.limits.max_entity_bytes = 50u << 10;
  EXPECT_TRUE(parse_feed(entity_bomb(1, 100), options).bozo);
}

// Parameter entities in the internal subset count too.
TEST(HostileFeed, ParameterEntitiesCount) {
  const std::string doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY % p \"<!ENTITY x '" +
                          std::string(100 << 10, 'B') +
                          "'>\"> %p; ]><rss version=\"2.0\"><channel><title>t</title></channel></rss>";
  ParseOptions options;
  options.limits.max_entity_bytes = 64u << 10;
  const ParsedFeed feed = parse_feed(doc, options);
  EXPECT_TRUE(feed.bozo);
  EXPECT_NE(feed.bozo_message.find("entity expansion past"), std::string::npos) << feed.bozo_message;
}

TEST(HostileFeed, CpuTimeBudgetStopsTheParse) {
  ParseOptions options;
  options.limits.max_entity_bytes = std::size_t{1} << 40;
  options.limits.max_cpu_time = std::chrono::milliseconds{50};
  const auto started = SteadyClock::now();
  const ParsedFeed feed = parse_feed(entity_bomb(200, 20000), options);
  EXPECT_LT(SteadyClock::now() - started, std::chrono::seconds{5});
  EXPECT_TRUE(feed.bozo);
  EXPECT_NE(feed.bozo_message.find("ms of CPU time"), std::string::npos) << feed.bozo_message;
  ASSERT_GE(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].title, "before");
}

// Row 2: deep nesting and huge element counts are refused before they cost
// memory; the reader keeps only the members it uses.
TEST(HostileFeed, JsonFeedNestingIsBounded) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  const std::string doc = R"X({"version":"https://jsonfeed.org/version/1.1","x":)X" + deep + R"X(,"items":[]})X";
  const ParsedFeed feed = parse_feed(doc);
  EXPECT_TRUE(feed.bozo);
  EXPECT_NE(feed.bozo_message.find("nested deeper than 64"), std::string::npos) << feed.bozo_message;
}

TEST(HostileFeed, JsonFeedValueCountIsBounded) {
  ParseOptions options;
  options.limits.max_json_values = 10000;
  std::string many = "[";
  for (int i = 0; i < 20000; ++i) many += "[],";
  many += "[]]";
  const std::string doc = R"X({"version":"https://jsonfeed.org/version/1.1","x":)X" + many + R"X(,"items":[]})X";
  const ParsedFeed feed = parse_feed(doc, options);
  EXPECT_TRUE(feed.bozo);
  EXPECT_NE(feed.bozo_message.find("more than 10000 values"), std::string::npos) << feed.bozo_message;
}

TEST(HostileFeed, JsonFeedKeepsWhatItReadsAndCapsItems) {
  ParseOptions options;
  options.limits.max_entries = 2;
  const std::string doc = R"X({"version":"https://jsonfeed.org/version/1.1","title":"T","unknown":{"a":[1,2,{"b":3}]},
    "items":[{"id":"1","title":"one","url":"https://example.com/1","extra":[[[]]],"tags":["a",["nested"],"b"],
              "authors":[{"name":"Ann"}],"attachments":[{"url":"https://example.com/a.mp3","size_in_bytes":5}]},
             {"id":"2","title":"two"},{"id":"3","title":"three"}]})X";
  const ParsedFeed feed = parse_feed(doc, options);
  EXPECT_FALSE(feed.bozo) << feed.bozo_message;
  EXPECT_TRUE(feed.truncated);
  EXPECT_EQ(feed.title, "T");
  ASSERT_EQ(feed.entries.size(), 2u);
  EXPECT_EQ(feed.entries[0].title, "one");
  EXPECT_EQ(feed.entries[0].link, "https://example.com/1");
  EXPECT_EQ(feed.entries[0].author, "Ann");
  EXPECT_EQ(feed.entries[0].categories, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(feed.entries[0].enclosures.size(), 1u);
  EXPECT_EQ(feed.entries[0].enclosures[0].length, 5);
  EXPECT_EQ(feed.entries[1].id, "2");
}

// Row 4: scripts in URL-valued fields never leave the parser.
TEST(HostileFeed, UrlFieldsAreHttpOnly) {
  const std::string doc = R"X(<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
    <title>t</title><link>javascript:alert(1)</link>
    <item><title>a</title><guid>a</guid><link>javascript:alert(document.cookie)</link>
      <enclosure url="javascript:alert(2)" type="audio/mpeg" length="1"/>
      <enclosure url="https://example.com/ok.mp3" type="audio/mpeg" length="1"/>
      <media:thumbnail url="data:text/html,&lt;script&gt;"/></item>
    <item><title>b</title><guid>b</guid><link>java&#9;script:alert(3)</link></item>
    <item><title>c</title><guid>c</guid><link>https://example.com/c&#27;]0;x&#7;</link></item>
  </channel></rss>)X";
  ParseOptions options;
  options.base_url = "https://example.com/feed";
  const ParsedFeed feed = parse_feed(doc, options);
  EXPECT_EQ(feed.link, "");
  ASSERT_EQ(feed.entries.size(), 3u);
  EXPECT_EQ(feed.entries[0].link, "");
  ASSERT_EQ(feed.entries[0].enclosures.size(), 1u);
  EXPECT_EQ(feed.entries[0].enclosures[0].url, "https://example.com/ok.mp3");
  EXPECT_EQ(feed.entries[0].thumbnail, "");
  // "java<tab>script:" has no valid scheme, so it resolved as a path of the base.
  EXPECT_TRUE(feed.entries[1].link.starts_with("https://example.com/")) << feed.entries[1].link;
  EXPECT_TRUE(feed.entries[2].link.starts_with("https://example.com/c")) << feed.entries[2].link;
  for (const Entry& entry : feed.entries) EXPECT_FALSE(detail::has_control_characters(entry.link)) << entry.link;
}

TEST(HostileFeed, JsonFeedUrlFieldsAreHttpOnly) {
  const std::string doc = R"X({"version":"https://jsonfeed.org/version/1.1","home_page_url":"javascript:x()",
    "items":[{"id":"1","url":"javascript:alert(1)","image":"data:image/png;base64,AA==",
              "attachments":[{"url":"vbscript:x"},{"url":"https://example.com/a.mp3"}]}]})X";
  const ParsedFeed feed = parse_feed(doc);
  EXPECT_EQ(feed.link, "");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].link, "");
  EXPECT_EQ(feed.entries[0].thumbnail, "");
  ASSERT_EQ(feed.entries[0].enclosures.size(), 1u);
  EXPECT_EQ(feed.entries[0].enclosures[0].url, "https://example.com/a.mp3");
}

// Row 5: discovered feed links end up in a source's last_error and the log.
TEST(HostileFeed, DiscoveredFeedLinksPassTheUrlPolicy) {
  const std::string page =
      "<html><head>"
      "<link rel=alternate type=application/rss+xml href=\"/feed\nforged: line\x1b[2J\" title=\"a\x1b]0;x\x07\">"
      "<link rel=alternate type=application/atom+xml href=\"javascript:alert(1)\">"
      "</head></html>";
  const auto links = find_feed_links(page, "https://example.com/page");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].url, "https://example.com/feedforged:%20line%1B[2J");
  EXPECT_EQ(links[0].title, "a]0;x");
}

// Rows 5 and 6: terminal controls in text and in links.
TEST(HostileFeed, ControlCharactersLeaveNoField) {
  const std::string doc = "<rss version=\"2.0\"><channel><title>T&#27;]0;owned&#7;</title>"
                          "<item><title>&#27;]0;owned&#7;x&#127;y\xc2\x9bz</title><guid>g&#27;1</guid>"
                          "<author>a&#13;b</author><category>c&#27;d</category>"
                          "<description>line one&#10;line&#9;two&#8;</description></item></channel></rss>";
  const ParsedFeed feed = parse_feed(doc);
  EXPECT_EQ(feed.title, "T]0;owned");
  ASSERT_EQ(feed.entries.size(), 1u);
  const Entry& entry = feed.entries[0];
  // A C1 byte in a title is read as windows-1252 (U+009B as U+203A), as browsers do: no control either way.
  EXPECT_TRUE(entry.title.starts_with("]0;ownedxy")) << entry.title;
  EXPECT_FALSE(detail::has_control_characters(entry.title)) << entry.title;
  EXPECT_EQ(entry.id, "g1");
  EXPECT_EQ(entry.author, "a b");  // CR is whitespace to the text folding
  EXPECT_EQ(entry.categories, (std::vector<std::string>{"cd"}));
  EXPECT_FALSE(detail::has_control_characters(entry.summary)) << entry.summary;
  EXPECT_FALSE(detail::has_control_characters(entry.content_html));
}

TEST(HostileFeed, JsonFeedControlCharacters) {
  const std::string doc = R"X({"version":"https://jsonfeed.org/version/1.1","title":"T\u001b[2J",
    "items":[{"id":"1\u0007","title":"a\u001b]0;x\u0007b","content_text":"c\u009bd","tags":["t\u001b"]}]})X";
  const ParsedFeed feed = parse_feed(doc);
  EXPECT_EQ(feed.title, "T[2J");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].id, "1");
  EXPECT_EQ(feed.entries[0].title, "a]0;xb");
  EXPECT_EQ(feed.entries[0].content, "cd");
  EXPECT_EQ(feed.entries[0].categories, (std::vector<std::string>{"t"}));
}

TEST(ControlCharacters, RemovedAndKept) {
  std::string text = "tab\there\nnew \x1b[31mred\x7f \xc2\x85next \xc2\xa0nbsp \xc3\xa9 \r\x01";
  EXPECT_TRUE(detail::has_control_characters(text));
  detail::remove_control_characters(text);
  EXPECT_EQ(text, "tab\there\nnew [31mred next \xc2\xa0nbsp \xc3\xa9 ");
  EXPECT_FALSE(detail::has_control_characters(text));
  std::string long_clean(1000, 'x');
  long_clean[999] = '\n';
  EXPECT_FALSE(detail::has_control_characters(long_clean));
  long_clean[500] = '\x1b';
  detail::remove_control_characters(long_clean);
  EXPECT_EQ(long_clean.size(), 999u);
}

// Row 10: an entity referenced in thousands of attributes is expanded again by
// every read of the attribute.
TEST(HostileOpml, EntityDeclarationsAreRefused) {
  std::string doc = "<?xml version=\"1.0\"?><!DOCTYPE opml [<!ENTITY e \"" + std::string(100 << 10, 'a') +
                    "\">]><opml version=\"2.0\"><body>";
  for (int i = 0; i < 3000; ++i) doc += "<outline xmlUrl=\"http://example.com/&e;\"/>";
  doc += "</body></opml>";
  const auto started = SteadyClock::now();
  const OpmlParseResult result = parse_opml(doc);
  EXPECT_LT(SteadyClock::now() - started, std::chrono::seconds{5});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, "entity declarations are refused in OPML");
  EXPECT_TRUE(result.feeds.empty());
}

TEST(HostileOpml, UrlsAreCheckedAndCapped) {
  const std::string doc = "<opml version=\"2.0\"><head><title>Subs&#27;[2J</title></head><body>"
                          "<outline text=\"ok&#7;\" xmlUrl=\"https://example.com/feed\"/>"
                          "<outline text=\"script\" xmlUrl=\"javascript:alert(1)\" htmlUrl=\"https://example.com/\"/>"
                          "<outline text=\"long\" xmlUrl=\"https://example.com/" + std::string(5000, 'x') + "\"/>"
                          "<outline text=\"html\" xmlUrl=\"https://example.com/2\" htmlUrl=\"javascript:x\"/>"
                          "</body></opml>";
  const OpmlParseResult result = parse_opml(doc);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.title, "Subs[2J");
  EXPECT_EQ(result.refused_urls, 2u);
  ASSERT_EQ(result.feeds.size(), 2u);
  EXPECT_EQ(result.feeds[0].title, "ok");
  EXPECT_EQ(result.feeds[1].xml_url, "https://example.com/2");
  EXPECT_EQ(result.feeds[1].html_url, "");
}

}  // namespace
}  // namespace fcd::feed
