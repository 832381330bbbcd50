#include <gtest/gtest.h>

#include "feed/feed.hpp"
#include "test_util.hpp"

namespace fcd::feed {
namespace {

using test::fixture;
using test::utc;

TEST(ParseFeed, Rss2WithExtensions) {
  ParseOptions options;
  options.base_url = "https://news.example.com/rss.xml";
  const ParsedFeed feed = parse_feed(fixture("rss2_extensions.xml"), options);
  EXPECT_TRUE(feed.is_feed);
  // &mdash; is HTML, not XML: understood, but the document is not well-formed.
  EXPECT_TRUE(feed.bozo);
  EXPECT_EQ(feed.bozo_message, "undefined entity &mdash;");
  EXPECT_EQ(feed.format, FeedFormat::kRss);
  EXPECT_EQ(feed.version, "2.0");
  EXPECT_EQ(feed.title, "Example & News");
  EXPECT_EQ(feed.subtitle, "All the news");
  EXPECT_EQ(feed.language, "en-GB");
  EXPECT_EQ(feed.updated, utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(feed.update_interval, std::chrono::minutes{30});
  ASSERT_EQ(feed.entries.size(), 3u);

  const Entry& first = feed.entries[0];
  EXPECT_EQ(first.id, "storm-7");
  EXPECT_EQ(first.title, "Storm \u2014 hits coast");
  EXPECT_EQ(first.link, "https://news.example.com/2025/08/storm?utm_source=rss&id=7#top");
  EXPECT_EQ(first.published, utc("2025-08-15T15:00:00Z"));
  EXPECT_FALSE(first.updated.has_value());
  EXPECT_EQ(first.author, "Jane Doe");
  EXPECT_EQ(first.summary, "A storm hit the coast.");
  EXPECT_EQ(first.content, "Full story bad");
  EXPECT_EQ(first.content_html, "<p>Full <a href=\"https://news.example.com/more\">story</a> <a>bad</a></p>");
  EXPECT_EQ(first.categories, (std::vector<std::string>{"Weather", "Coast"}));
  ASSERT_EQ(first.enclosures.size(), 2u);
  EXPECT_EQ(first.enclosures[0].url, "https://cdn.example.com/a.mp3");
  EXPECT_EQ(first.enclosures[0].type, "audio/mpeg");
  EXPECT_EQ(first.enclosures[0].length, 1234);
  EXPECT_EQ(first.enclosures[1].length, 99);
  EXPECT_EQ(first.thumbnail, "https://cdn.example.com/t.jpg");

  // dc:date alone is both updated and published; the id falls back to the canonical link.
  const Entry& second = feed.entries[1];
  EXPECT_EQ(second.published, utc("2025-08-14T07:30:00Z"));
  EXPECT_EQ(second.updated, utc("2025-08-14T07:30:00Z"));
  EXPECT_EQ(second.id, "https://news.example.com/second");

  // Neither guid nor link: a content hash that is stable across parses.
  const Entry& third = feed.entries[2];
  EXPECT_TRUE(third.id.starts_with("urn:fcd:"));
  EXPECT_EQ(parse_feed(fixture("rss2_extensions.xml"), options).entries[2].id, third.id);
}

// Element names are classified once and then found by address; far more
// distinct names than that cache has slots must not confuse one for another.
TEST(ParseFeed, ManyDistinctElementNames) {
  std::string xml = "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>T</title>";
  for (int i = 0; i < 300; ++i) xml += "<x" + std::to_string(i) + ">v</x" + std::to_string(i) + ">";
  for (int i = 0; i < 50; ++i) {
    const std::string n = std::to_string(i);
    xml += "<item><y" + n + "/><title>t" + n + "</title><z" + n + ">no</z" + n + "><guid>g" + n +
           "</guid><dc:creator>a" + n + "</dc:creator><dc:x" + n + ">no</dc:x" + n + "><description>d" + n +
           "</description></item>";
  }
  xml += "</channel></rss>";
  const ParsedFeed feed = parse_feed(xml);
  EXPECT_FALSE(feed.bozo) << feed.bozo_message;
  EXPECT_EQ(feed.title, "T");
  ASSERT_EQ(feed.entries.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    const std::string n = std::to_string(i);
    EXPECT_EQ(feed.entries[i].title, "t" + n);
    EXPECT_EQ(feed.entries[i].id, "g" + n);
    EXPECT_EQ(feed.entries[i].author, "a" + n);
    EXPECT_EQ(feed.entries[i].summary, "d" + n);
  }
}

TEST(ParseFeed, AtomWithXmlBaseAndTextConstructs) {
  const ParsedFeed feed = parse_feed(fixture("atom_base.xml"));
  EXPECT_FALSE(feed.bozo) << feed.bozo_message;
  EXPECT_EQ(feed.format, FeedFormat::kAtom);
  EXPECT_EQ(feed.version, "1.0");
  EXPECT_EQ(feed.title, "Le blog");
  EXPECT_EQ(feed.subtitle, "Plain <tag> text");
  EXPECT_EQ(feed.link, "https://blog.example.org/");
  EXPECT_EQ(feed.language, "fr");
  ASSERT_EQ(feed.entries.size(), 2u);
  const Entry& first = feed.entries[0];
  EXPECT_EQ(first.id, "tag:blog.example.org,2025:1");
  EXPECT_EQ(first.link, "https://blog.example.org/posts/one.html");
  ASSERT_EQ(first.enclosures.size(), 1u);
  EXPECT_EQ(first.enclosures[0].url, "https://blog.example.org/posts/one.mp3");
  EXPECT_EQ(first.published, utc("2025-08-15T10:00:00Z")) << "updated alone is also published";
  EXPECT_EQ(first.author, "Feed Author") << "entries inherit the feed's author";
  EXPECT_EQ(first.content, "Du texte et un lien.");
  EXPECT_EQ(first.content_html,
            "<p>Du <b>texte</b> et <a href=\"https://blog.example.org/posts/img/x.png\">un lien</a>.</p>");
  EXPECT_EQ(first.categories, std::vector<std::string>{"cuisine"});
  const Entry& second = feed.entries[1];
  EXPECT_EQ(second.title, "A & B <c>");
  EXPECT_EQ(second.summary, "Sum\u00e9");
  EXPECT_EQ(second.author, "Entry Author (e@example.org)");
  EXPECT_EQ(second.published, utc("2025-08-10T08:00:00Z"));
  EXPECT_EQ(second.updated, utc("2025-08-11T08:00:00Z"));
}

TEST(ParseFeed, Rdf) {
  const ParsedFeed feed = parse_feed(fixture("rdf.xml"));
  EXPECT_EQ(feed.format, FeedFormat::kRdf);
  EXPECT_EQ(feed.version, "1.0");
  EXPECT_EQ(feed.title, "RDF Site");
  ASSERT_EQ(feed.entries.size(), 1u);
  EXPECT_EQ(feed.entries[0].id, "https://rdf.example.net/a");
  EXPECT_EQ(feed.entries[0].published, utc("2004-01-01T19:48:21Z"));
}

TEST(ParseFeed, JsonFeed) {
  const ParsedFeed feed = parse_feed(fixture("feed.json"));
  EXPECT_TRUE(feed.is_feed);
  EXPECT_FALSE(feed.bozo) << feed.bozo_message;
  EXPECT_EQ(feed.format, FeedFormat::kJson);
  EXPECT_EQ(feed.version, "1.1");
  EXPECT_EQ(feed.title, "JSON Site");
  ASSERT_EQ(feed.entries.size(), 2u);
  const Entry& first = feed.entries[0];
  EXPECT_EQ(first.id, "42");
  EXPECT_EQ(first.link, "https://json.example.com/p/42");
  EXPECT_EQ(first.content, "Life etc");
  EXPECT_EQ(first.content_html, "<p>Life <em>etc</em></p>");
  EXPECT_EQ(first.author, "Ann");
  EXPECT_EQ(first.categories, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(first.enclosures.size(), 1u);
  EXPECT_EQ(first.enclosures[0].url, "https://json.example.com/f.mp3");
  EXPECT_EQ(first.enclosures[0].length, 5);
  EXPECT_EQ(feed.entries[1].published, utc("2025-08-16T00:00:00Z"));
}

TEST(ParseFeed, BrokenXmlIsBozoButKeepsReadableItems) {
  const ParsedFeed feed = parse_feed(fixture("broken.xml"));
  EXPECT_TRUE(feed.is_feed);
  EXPECT_TRUE(feed.bozo);
  EXPECT_FALSE(feed.bozo_message.empty());
  ASSERT_GE(feed.entries.size(), 2u);
  EXPECT_EQ(feed.entries[0].title, "One");
  EXPECT_EQ(feed.entries[1].title, "Two \u00a0\u00a9");
}

TEST(ParseFeed, Encodings) {
  EXPECT_EQ(parse_feed(fixture("cp1251.xml")).title, "\u041f\u0440\u0438\u0432\u0435\u0442");
  const ParsedFeed utf16 = parse_feed(fixture("utf16.xml"));
  EXPECT_EQ(utf16.title, "Zo\u00eb \u2013 \u65e5\u672c");
  EXPECT_FALSE(utf16.bozo) << utf16.bozo_message;
  // Undeclared Latin-1 bytes are not UTF-8: read as windows-1252 and flagged.
  const ParsedFeed latin1 = parse_feed(fixture("latin1_undeclared.xml"));
  EXPECT_EQ(latin1.title, "Caf\u00e9 cr\u00e8me");
  EXPECT_TRUE(latin1.bozo);
  // The HTTP charset wins over the XML declaration.
  ParseOptions options;
  options.content_type = "application/rss+xml; charset=\"windows-1251\"";
  const std::string lying = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\"><channel><title>\xcf"
                            "</title></channel></rss>";
  EXPECT_EQ(parse_feed(lying, options).title, "\u041f");
}

TEST(ParseFeed, NotAFeed) {
  const ParsedFeed html = parse_feed(fixture("page.html"));
  EXPECT_FALSE(html.is_feed);
  EXPECT_TRUE(html.bozo);
  EXPECT_TRUE(html.entries.empty());
  const ParsedFeed png = parse_feed(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
  EXPECT_FALSE(png.is_feed);
  EXPECT_TRUE(png.entries.empty());
  EXPECT_FALSE(parse_feed("").is_feed);
  EXPECT_FALSE(parse_feed("{\"hello\": 1}").is_feed);
}

TEST(ParseFeed, HostileDocumentsAreBounded) {
  const ParsedFeed laughs = parse_feed(fixture("laughs.xml"));
  EXPECT_TRUE(laughs.bozo);
  EXPECT_LT(laughs.title.size(), 1u << 20);
  const ParsedFeed xxe = parse_feed(fixture("xxe.xml"));
  EXPECT_EQ(xxe.title.find("root:"), std::string::npos);
  ASSERT_EQ(xxe.entries.size(), 1u);

  std::string deep = "<rss version=\"2.0\"><channel><item><title>t</title>";
  for (int i = 0; i < 5000; ++i) deep += "<x>";
  const ParsedFeed nested = parse_feed(deep);
  EXPECT_TRUE(nested.bozo);
  EXPECT_LE(nested.entries.size(), 1u);
}

void expect_same_entry(const Entry& streamed, const Entry& stored) {
  EXPECT_EQ(streamed.id, stored.id);
  EXPECT_EQ(streamed.title, stored.title);
  EXPECT_EQ(streamed.link, stored.link);
  EXPECT_EQ(streamed.published, stored.published);
  EXPECT_EQ(streamed.updated, stored.updated);
  EXPECT_EQ(streamed.author, stored.author);
  EXPECT_EQ(streamed.summary, stored.summary);
  EXPECT_EQ(streamed.content, stored.content);
  EXPECT_EQ(streamed.content_html, stored.content_html);
  ASSERT_EQ(streamed.enclosures.size(), stored.enclosures.size());
  for (std::size_t i = 0; i < stored.enclosures.size(); ++i) {
    EXPECT_EQ(streamed.enclosures[i].url, stored.enclosures[i].url);
    EXPECT_EQ(streamed.enclosures[i].type, stored.enclosures[i].type);
    EXPECT_EQ(streamed.enclosures[i].length, stored.enclosures[i].length);
  }
  EXPECT_EQ(streamed.categories, stored.categories);
  EXPECT_EQ(streamed.thumbnail, stored.thumbnail);
  EXPECT_EQ(streamed.future_date, stored.future_date);
  EXPECT_EQ(streamed.truncated, stored.truncated);
}

// The sink gets, one by one, exactly the entries the stored list holds, and the
// rest of the result is the same, for XML and JSON Feed alike.
TEST(ParseFeed, SinkGetsTheEntriesTheListHolds) {
  ParseOptions options;
  options.base_url = "https://news.example.com/rss.xml";
  options.now = utc("2025-08-16T00:00:00Z");
  for (const char* name : {"rss2_extensions.xml", "atom_base.xml", "rdf.xml", "feed.json", "broken.xml"}) {
    SCOPED_TRACE(name);
    const std::string bytes = fixture(name);
    const ParsedFeed stored = parse_feed(bytes, options);
    std::vector<Entry> streamed;
    const ParsedFeed rest = parse_feed(bytes, options, [&streamed](Entry& entry) { streamed.push_back(std::move(entry)); });
    EXPECT_TRUE(rest.entries.empty());
    EXPECT_EQ(rest.title, stored.title);
    EXPECT_EQ(rest.link, stored.link);
    EXPECT_EQ(rest.bozo_message, stored.bozo_message);
    EXPECT_EQ(rest.truncated, stored.truncated);
    ASSERT_FALSE(stored.entries.empty());
    ASSERT_EQ(streamed.size(), stored.entries.size());
    for (std::size_t i = 0; i < streamed.size(); ++i) expect_same_entry(streamed[i], stored.entries[i]);
  }
}

TEST(ParseFeed, SinkStopsAtTheEntryLimit) {
  std::string doc = "<rss version=\"2.0\"><channel>";
  for (int i = 0; i < 20; ++i) doc += "<item><guid>g" + std::to_string(i) + "</guid></item>";
  doc += "</channel></rss>";
  ParseOptions options;
  options.limits.max_entries = 5;
  std::vector<std::string> ids;
  const ParsedFeed feed = parse_feed(doc, options, [&ids](Entry& entry) { ids.push_back(entry.id); });
  EXPECT_TRUE(feed.truncated);
  EXPECT_EQ(ids, (std::vector<std::string>{"g0", "g1", "g2", "g3", "g4"}));
}

TEST(ParseFeed, LimitsCapEntriesAndFields) {
  std::string doc = "<rss version=\"2.0\"><channel>";
  for (int i = 0; i < 20; ++i) doc += "<item><guid>g" + std::to_string(i) + "</guid><title>" + std::string(100, 'x') + "</title></item>";
  doc += "</channel></rss>";
  ParseOptions options;
  options.limits.max_entries = 5;
  options.limits.max_field_bytes = 10;
  const ParsedFeed feed = parse_feed(doc, options);
  EXPECT_TRUE(feed.truncated);
  ASSERT_EQ(feed.entries.size(), 5u);
  EXPECT_EQ(feed.entries[0].title, std::string(10, 'x'));
  EXPECT_TRUE(feed.entries[0].truncated);

  options = {};
  options.limits.max_document_bytes = 40;
  EXPECT_TRUE(parse_feed(doc, options).truncated);
}

TEST(ParseFeed, FutureDatesAreFlaggedNotTrusted) {
  const std::string doc = "<rss version=\"2.0\"><channel><item><guid>a</guid>"
                          "<pubDate>Fri, 15 Aug 2031 15:00:00 GMT</pubDate></item>"
                          "<item><guid>b</guid><pubDate>Fri, 15 Aug 2025 15:00:00 GMT</pubDate></item></channel></rss>";
  ParseOptions options;
  options.now = utc("2025-08-16T00:00:00Z");
  const ParsedFeed feed = parse_feed(doc, options);
  ASSERT_EQ(feed.entries.size(), 2u);
  EXPECT_TRUE(feed.entries[0].future_date);
  EXPECT_FALSE(feed.entries[0].published.has_value());
  EXPECT_FALSE(feed.entries[1].future_date);
  EXPECT_EQ(feed.entries[1].published, utc("2025-08-15T15:00:00Z"));
}

TEST(ParseFeed, StrayAmpersandsAndHtmlEntitiesAreRecovered) {
  const ParsedFeed feed = parse_feed("<rss version=\"2.0\"><channel><title>Q&A &mdash; &madeup;</title>"
                                     "<link>https://e.example/?a=1&b=2</link></channel></rss>");
  EXPECT_TRUE(feed.bozo);
  EXPECT_EQ(feed.title, "Q&A \u2014 &madeup;");
  EXPECT_EQ(feed.link, "https://e.example/?a=1&b=2");
}

// The document reaches libxml2 in pieces (its first four bytes, then 256 KB
// each), each searched for stray '&' on the way: one right at a piece's end,
// a reference and a CDATA section across a piece's end, and the offset
// reported is the first stray one's.
TEST(ParseFeed, StrayAmpersandsAcrossPiecesOfTheDocument) {
  constexpr std::size_t kPiece = 256 << 10;
  const auto piece_end = [](std::size_t n) { return 4 + n * kPiece; };
  std::string doc = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>";
  std::vector<std::string> titles;
  const auto add_item = [&](std::string title_markup, std::string title_text) {
    doc += "<item><title>" + title_markup + "</title></item>";
    titles.push_back(std::move(title_text));
  };
  while (doc.size() < piece_end(1) - 300) add_item("filler", "filler");
  // "<item><title>" is 13 bytes: the stray '&' of "x&y" lands on the piece's last byte.
  doc += std::string(piece_end(1) - 13 - 2 - doc.size(), ' ');
  const std::size_t first_stray = doc.size() + 13 + 1;
  add_item("x&y", "x&y");
  EXPECT_EQ(first_stray, piece_end(1) - 1);
  while (doc.size() < piece_end(2) - 300) add_item("filler", "filler");
  doc += std::string(piece_end(2) - 13 - 3 - doc.size(), ' ');
  add_item("a &amp; b", "a & b");  // "&amp;" split by the second piece's end
  while (doc.size() < piece_end(3) - 300) add_item("filler", "filler");
  doc += std::string(piece_end(3) - 13 - 12 - doc.size(), ' ');
  add_item("<![CDATA[c & d]]>", "c & d");  // a CDATA section across the third piece's end
  add_item("e & f", "e & f");
  doc += "</channel></rss>";

  const ParsedFeed feed = parse_feed(doc);
  EXPECT_TRUE(feed.bozo);
  EXPECT_EQ(feed.bozo_message, "unescaped '&' at byte " + std::to_string(first_stray));
  ASSERT_EQ(feed.entries.size(), titles.size());
  for (std::size_t i = 0; i < titles.size(); ++i) EXPECT_EQ(feed.entries[i].title, titles[i]) << i;
}

}  // namespace
}  // namespace fcd::feed
