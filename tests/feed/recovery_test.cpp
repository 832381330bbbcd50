// Damaged feeds: well-formed feeds cut at every tag boundary, and broken inside
// one entry in the ways real feeds break. Every entry before the damage is kept
// whole, and every entry after it too.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "feed/feed.hpp"

namespace fcd::feed {
namespace {

constexpr std::size_t kEntries = 6;

std::string title_of(std::size_t i) { return "Entry " + std::to_string(i) + " title"; }
std::string link_of(std::size_t i) { return "http://e.example/posts/" + std::to_string(i); }

// One entry's markup; `damage` replaces the description's text of entry `damaged`.
using EntryMarkup = std::function<std::string(std::size_t i, const std::string& description)>;

std::string rss_item(std::size_t i, const std::string& description) {
  return "<item>\n  <title>" + title_of(i) + "</title>\n  <link>" + link_of(i) + "</link>\n  <description>" +
         description + "</description>\n  <guid>" + link_of(i) + "</guid>\n  <pubDate>Mon, 06 Sep 2010 0" +
         std::to_string(i) + ":00:00 GMT</pubDate>\n</item>\n";
}

std::string atom_entry(std::size_t i, const std::string& summary) {
  return "<entry>\n  <title>" + title_of(i) + "</title>\n  <link href=\"" + link_of(i) + "\"/>\n  <id>" +
         link_of(i) + "</id>\n  <summary type=\"html\">" + summary + "</summary>\n  <updated>2010-09-06T0" +
         std::to_string(i) + ":00:00Z</updated>\n</entry>\n";
}

std::string rdf_item(std::size_t i, const std::string& description) {
  return "<item rdf:about=\"" + link_of(i) + "\">\n  <title>" + title_of(i) + "</title>\n  <link>" + link_of(i) +
         "</link>\n  <description>" + description + "</description>\n</item>\n";
}

struct Format {
  const char* name;
  std::string head;
  std::string tail;
  EntryMarkup entry;
};

std::vector<Format> formats() {
  return {
      {"rss", "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\n<title>Feed</title>\n",
       "</channel></rss>\n", rss_item},
      {"atom", "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>Feed</title>\n",
       "</feed>\n", atom_entry},
      {"rdf",
       "<?xml version=\"1.0\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
       "xmlns=\"http://purl.org/rss/1.0/\">\n<channel rdf:about=\"http://e.example/\"><title>Feed</title></channel>\n",
       "</rdf:RDF>\n", rdf_item},
  };
}

const std::string kDescription = "&lt;p&gt;Some &lt;b&gt;escaped&lt;/b&gt; HTML &amp;amp; text&lt;/p&gt;";

std::string document(const Format& format, std::size_t damaged = kEntries, const std::string& damage = {}) {
  std::string text = format.head;
  for (std::size_t i = 0; i < kEntries; ++i) text += format.entry(i, i == damaged ? damage : kDescription);
  return text + format.tail;
}

void expect_entry(const ParsedFeed& feed, std::size_t i, const std::string& context) {
  ASSERT_LT(i, feed.entries.size()) << context;
  EXPECT_EQ(feed.entries[i].title, title_of(i)) << context;
  EXPECT_EQ(feed.entries[i].link, link_of(i)) << context;
}

TEST(FeedRecovery, WellFormedFeedsAreNotBozo) {
  for (const Format& format : formats()) {
    const ParsedFeed feed = parse_feed(document(format));
    EXPECT_FALSE(feed.bozo) << format.name << ": " << feed.bozo_message;
    ASSERT_EQ(feed.entries.size(), kEntries) << format.name;
    for (std::size_t i = 0; i < kEntries; ++i) expect_entry(feed, i, format.name);
    EXPECT_EQ(feed.entries[0].summary, "Some escaped HTML & text") << format.name;
  }
}

// Cut before every '<' and after every '>': the entries closed before the cut
// are all there and whole; the one cut off keeps its title once that is closed.
TEST(FeedRecovery, CutAtEveryTagBoundary) {
  for (const Format& format : formats()) {
    const std::string whole = document(format);
    std::vector<std::size_t> cuts;
    for (std::size_t i = 0; i < whole.size(); ++i) {
      if (whole[i] == '<') cuts.push_back(i);
      if (whole[i] == '>') cuts.push_back(i + 1);
    }
    for (const std::size_t cut : cuts) {
      const std::string text = whole.substr(0, cut);
      const ParsedFeed feed = parse_feed(text);
      const std::string context = std::string(format.name) + " cut at " + std::to_string(cut);
      std::size_t closed = 0;
      std::size_t titled = 0;
      const std::string entry_end = format.name == std::string("atom") ? "</entry>" : "</item>";
      for (std::size_t at = text.find(entry_end); at != std::string::npos; at = text.find(entry_end, at + 1))
        ++closed;
      for (std::size_t i = 0; i < kEntries; ++i)
        if (text.find("<title>" + title_of(i) + "</title>") != std::string::npos) titled = i + 1;
      ASSERT_GE(feed.entries.size(), closed) << context;
      for (std::size_t i = 0; i < closed; ++i) expect_entry(feed, i, context);
      if (titled > closed) {
        ASSERT_GT(feed.entries.size(), closed) << context;
        EXPECT_EQ(feed.entries[closed].title, title_of(closed)) << context;
      }
    }
  }
}

struct Damage {
  const char* name;
  std::string text;     // the damaged entry's description
  bool bozo;            // whether the damage makes the document not well-formed
};

std::vector<Damage> damages() {
  return {
      {"unclosed tag", "Text <b>bold and never closed", true},
      {"unclosed void tag (HTML inside RSS)", "<p>Para<br>line <img src=\"x.png\"> end</p>", true},
      {"stray end tag", "Text</div> more </p> text", true},
      {"stray ampersand", "Q&A and ?a=1&b=2 and & alone", true},
      {"bad character reference", "bell &#7; null &#0; surrogate &#xD800; after &amp;amp; &lt;b&gt;", true},
      {"undefined entity", "dash &mdash; and &bogus; entity", true},
      {"unescaped HTML with attributes", "<a href=\"/x?a=1&b=2\">link</a> <i>it</i>", true},
      {"unclosed CDATA-like text", "a < b and c > d", true},
      {"wrong declared encoding (latin-1 byte in a utf-8 document)", "caf\xE9 cr\xE8me", true},
  };
}

// The damage in entry k: every entry is still there, with its title and link,
// and every entry after the damaged one has its summary.
TEST(FeedRecovery, DamageInOneEntryKeepsEveryEntry) {
  for (const Format& format : formats()) {
    for (const Damage& damage : damages()) {
      for (const std::size_t k : {std::size_t{0}, std::size_t{2}, kEntries - 1}) {
        const ParsedFeed feed = parse_feed(document(format, k, damage.text));
        const std::string context =
            std::string(format.name) + ", " + damage.name + " in entry " + std::to_string(k);
        EXPECT_EQ(feed.bozo, damage.bozo) << context;
        EXPECT_EQ(feed.entries.size(), kEntries) << context;
        if (feed.entries.size() != kEntries) continue;
        for (std::size_t i = 0; i < kEntries; ++i) expect_entry(feed, i, context);
        for (std::size_t i = k + 1; i < kEntries; ++i)
          EXPECT_EQ(feed.entries[i].summary, "Some escaped HTML & text") << context << ", entry " << i;
      }
    }
  }
}

// What the damaged field itself keeps.
TEST(FeedRecovery, DamagedFieldKeepsItsText) {
  const Format rss = formats()[0];
  const auto summary = [&rss](const std::string& damage) {
    const ParsedFeed feed = parse_feed(document(rss, 1, damage));
    return feed.entries.size() > 1 ? feed.entries[1].summary : std::string("(lost)");
  };
  EXPECT_EQ(summary("Text <b>bold and never closed"), "Text bold and never closed");
  EXPECT_EQ(summary("<p>Para<br>line <img src=\"x.png\"> end</p>"), "Para line end");
  EXPECT_EQ(summary("Text</div> more </p> text"), "Text more text");
  EXPECT_EQ(summary("Q&A and ?a=1&b=2"), "Q&A and ?a=1&b=2");
  EXPECT_EQ(summary("null &#0; after &amp;amp; &lt;b&gt;x&lt;/b&gt;"), "null after & x");
  EXPECT_EQ(summary("dash &mdash; here"), "dash \u2014 here");
  EXPECT_EQ(summary("caf\xE9"), "caf\u00e9");
}

}  // namespace
}  // namespace fcd::feed
