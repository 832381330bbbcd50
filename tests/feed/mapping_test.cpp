// The field mapping of docs/feed-mapping.md, row by row: each case is a minimal
// feed written from one row and the value the row says the field gets. Every
// row of the document has a case and every case names a row of the document.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "feed/feed.hpp"

namespace fcd::feed {
namespace {

// Namespaces of every extension a case may use, declared on each root.
constexpr const char* kExtensions =
    R"( xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/")"
    R"( xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/")"
    R"( xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:atom="http://www.w3.org/2005/Atom")"
    R"( xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" xmlns:xhtml="http://www.w3.org/1999/xhtml")"
    R"( xmlns:slash="http://purl.org/rss/1.0/modules/slash/" xmlns:georss="http://www.georss.org/georss")";

std::string rss(const std::string& channel) {
  return std::string(R"(<?xml version="1.0" encoding="utf-8"?><rss version="2.0")") + kExtensions + "><channel>" +
         channel + "</channel></rss>";
}
std::string rdf(const std::string& body) {
  return std::string(R"(<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#")"
                     R"( xmlns="http://purl.org/rss/1.0/")") +
         kExtensions + ">" + body + "</rdf:RDF>";
}
std::string atom(const std::string& body) {
  return std::string(R"(<feed xmlns="http://www.w3.org/2005/Atom")") + kExtensions + ">" + body + "</feed>";
}
std::string atom03(const std::string& body) {
  return std::string(R"(<feed version="0.3" xmlns="http://purl.org/atom/ns#")") + kExtensions + ">" + body +
         "</feed>";
}
std::string json(const std::string& members) {
  return R"({"version": "https://jsonfeed.org/version/1.1", )" + members + "}";
}
std::string item(const std::string& children) { return "<item>" + children + "</item>"; }
std::string entry(const std::string& children) { return "<entry>" + children + "</entry>"; }

struct MappingCase {
  std::string row;       // the row of docs/feed-mapping.md this case is written from
  std::string document;
  std::string field;     // "feed.title", "e0.summary", "entries", "bozo" ...
  std::optional<std::string> expected;  // nullopt: no value (no element)
  ParseOptions options = {};
};

ParseOptions http(std::string base_url, std::string content_type = {}, std::string content_location = {},
                  std::string content_language = {}) {
  ParseOptions options;
  options.base_url = std::move(base_url);
  options.content_type = std::move(content_type);
  options.content_location = std::move(content_location);
  options.content_language = std::move(content_language);
  return options;
}

std::optional<std::string> text(const std::string& value, GivenFields given, Given field) {
  if (value.empty() && !given.has(field)) return std::nullopt;
  return value;
}
std::optional<std::string> text(const std::string& value) {
  if (value.empty()) return std::nullopt;
  return value;
}
std::optional<std::string> date(const std::optional<core::TimePoint>& value) {
  if (!value) return std::nullopt;
  return core::format_rfc3339(*value);
}

// The value of one field, as the rows name it; "|" joins list values.
std::optional<std::string> field_of(const ParsedFeed& feed, const std::string& field) {
  if (field == "format") return std::string(format_name(feed.format)) + " " + feed.version;
  if (field == "is_feed") return feed.is_feed ? "true" : "false";
  if (field == "bozo") return feed.bozo ? "true" : "false";
  if (field == "encoding") return feed.encoding;
  if (field == "entries") return std::to_string(feed.entries.size());
  if (field == "feed.title") return text(feed.title, feed.given, Given::kTitle);
  if (field == "feed.link") return text(feed.link, feed.given, Given::kLink);
  if (field == "feed.subtitle") return text(feed.subtitle, feed.given, Given::kSubtitle);
  if (field == "feed.language") return text(feed.language, feed.given, Given::kLanguage);
  if (field == "feed.updated") return date(feed.updated);
  if (field == "feed.interval") {
    if (!feed.update_interval) return std::nullopt;
    return std::to_string(std::chrono::duration_cast<std::chrono::minutes>(*feed.update_interval).count()) + "min";
  }
  const std::size_t dot = field.find('.');
  if (field[0] != 'e' || dot == std::string::npos) return "unknown field " + field;
  const std::size_t index = std::stoul(field.substr(1, dot - 1));
  if (index >= feed.entries.size()) return "no entry " + std::to_string(index);
  const Entry& e = feed.entries[index];
  const std::string name = field.substr(dot + 1);
  if (name == "title") return text(e.title, e.given, Given::kTitle);
  if (name == "link") return text(e.link, e.given, Given::kLink);
  if (name == "id") return e.id;
  if (name == "id_prefix") return e.id.substr(0, 8);
  if (name == "published") return date(e.published);
  if (name == "updated") return date(e.updated);
  if (name == "author") return text(e.author, e.given, Given::kAuthor);
  if (name == "summary") return text(e.summary, e.given, Given::kSummary);
  if (name == "content") return text(e.content, e.given, Given::kContent);
  if (name == "content_html") return text(e.content_html, e.given, Given::kContent);
  if (name == "thumbnail") return text(e.thumbnail);
  if (name == "enclosures" || name == "enclosure_types" || name == "categories") {
    std::string joined;
    if (name == "categories")
      for (const std::string& category : e.categories) joined += (joined.empty() ? "" : "|") + category;
    for (const Enclosure& enclosure : e.enclosures) {
      if (name == "enclosures") joined += (joined.empty() ? "" : "|") + enclosure.url;
      if (name == "enclosure_types")
        joined += (joined.empty() ? "" : "|") + enclosure.type + ":" +
                  (enclosure.length ? std::to_string(*enclosure.length) : "-");
    }
    return text(joined);
  }
  return "unknown field " + field;
}

std::vector<MappingCase> mapping_cases() {
  const std::string kDate1 = "Mon, 06 Sep 2010 00:01:00 +0000";
  const std::string kDate2 = "2010-09-07T10:00:00Z";
  return {
      // Document
      {"doc.format", rss(""), "format", "rss 2.0"},
      {"doc.format", R"(<rss version="0.91"><channel><title>t</title></channel></rss>)", "format", "rss 0.91"},
      {"doc.format", rdf("<channel><title>t</title></channel>"), "format", "rdf 1.0"},
      {"doc.format",
       R"(<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/"><channel><title>t</title></channel></rdf:RDF>)",
       "format", "rdf 0.90"},
      {"doc.format", atom(""), "format", "atom 1.0"},
      {"doc.format", atom03(""), "format", "atom 0.3"},
      {"doc.format", R"({"version": "https://jsonfeed.org/version/1", "title": "t", "items": []})", "format",
       "json 1"},
      {"doc.format", json(R"("title": "t", "items": [])"), "format", "json 1.1"},
      {"doc.format", "<html><body>no feed</body></html>", "is_feed", "false"},
      {"doc.encoding", "\xEF\xBB\xBF" + rss("<title>t</title>"), "encoding", "utf-8"},
      {"doc.encoding",
       R"(<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>caf)" "\xE9" R"(</title></channel></rss>)",
       "feed.title", "caf\u00e9"},
      {"doc.encoding",
       R"(<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>caf)" "\xE9" R"(</title></channel></rss>)",
       "encoding", "windows-1252", http("", "application/rss+xml; charset=windows-1252")},
      {"doc.encoding",
       R"(<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>caf)" "\xC3\xA9" R"(</title></channel></rss>)",
       "bozo", "true", http("", "application/xml; charset=us-ascii")},
      {"doc.encoding",
       R"(<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>caf)" "\xC3\xA9" R"(</title></channel></rss>)",
       "feed.title", "caf\u00e9", http("", "application/xml; charset=us-ascii")},
      {"doc.encoding",
       R"(<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>plain</title></channel></rss>)",
       "bozo", "false", http("", "application/xml; charset=us-ascii")},
      {"doc.bozo", rss("<title>t</title>"), "bozo", "false"},
      {"doc.bozo", rss("<title>a &mdash; b</title>"), "bozo", "true"},
      {"doc.bozo", rss("<title>t</title>"), "bozo", "true", http("", "text/plain")},

      // Feed
      {"feed.title/rss", rss("<title>One</title><title>Two</title>"), "feed.title", "Two"},
      {"feed.title/rss", rss("<title>A &lt;b&gt;bold&lt;/b&gt; name</title>"), "feed.title", "A bold name"},
      {"feed.title/rss", rss("<dc:title>Dublin</dc:title>"), "feed.title", "Dublin"},
      {"feed.title/rss", rdf("<channel><title>RDF title</title></channel>"), "feed.title", "RDF title"},
      {"feed.title/rss", rss("<title/>"), "feed.title", ""},
      {"feed.title/rss", rss("<link>http://e.example/</link>"), "feed.title", std::nullopt},
      {"feed.title/atom", atom(R"(<title type="html">A &amp;amp; B</title>)"), "feed.title", "A & B"},
      {"feed.title/atom", atom(R"(<title type="text">1 &lt; 2</title>)"), "feed.title", "1 < 2"},
      {"feed.title/atom",
       atom(R"(<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">X <b>H</b></div></title>)"),
       "feed.title", "X H"},
      {"feed.title/atom", atom03(R"(<title mode="base64" type="text/plain">SGVsbG8=</title>)"), "feed.title",
       "Hello"},
      {"feed.title/json", json(R"("title": "J", "items": [])"), "feed.title", "J"},
      {"feed.title/json", json(R"("author": {"name": "Ann"}, "items": [])"), "feed.title", "Ann"},
      {"feed.link/rss", rss("<link>http://e.example/a</link><link>http://e.example/b</link>"), "feed.link",
       "http://e.example/a"},
      {"feed.link/rss", rss("<link>/home</link>"), "feed.link", "http://docs.example/home",
       http("http://docs.example/feed.xml")},
      {"feed.link/rss", rdf("<channel><link>http://e.example/r</link></channel>"), "feed.link",
       "http://e.example/r"},
      {"feed.link/atom",
       atom(R"(<link rel="self" href="http://e.example/self"/><link href="http://e.example/alt"/>)"), "feed.link",
       "http://e.example/alt"},
      {"feed.link/atom", atom(R"(<link rel="alternate" href="rel/page"/>)"), "feed.link",
       "http://docs.example/dir/rel/page", http("http://docs.example/dir/feed.atom")},
      {"feed.link/atom", atom03(R"(<link rel="alternate" type="text/html" href="http://e.example/03"/>)"),
       "feed.link", "http://e.example/03"},
      {"feed.link/json", json(R"("home_page_url": "http://e.example/j", "items": [])"), "feed.link",
       "http://e.example/j"},
      {"feed.subtitle/rss", rss("<description>About &lt;i&gt;us&lt;/i&gt;</description>"), "feed.subtitle",
       "About us"},
      {"feed.subtitle/rss", rss("<description>First</description><dc:description>Second</dc:description>"),
       "feed.subtitle", "Second"},
      {"feed.subtitle/rss", rss("<description/>"), "feed.subtitle", ""},
      {"feed.subtitle/atom", atom("<subtitle>Sub</subtitle>"), "feed.subtitle", "Sub"},
      {"feed.subtitle/atom", atom03("<tagline>Tag line</tagline>"), "feed.subtitle", "Tag line"},
      {"feed.subtitle/json", json(R"("description": "Desc", "items": [])"), "feed.subtitle", "Desc"},
      {"feed.language/rss", rss("<language>en_US</language>"), "feed.language", "en-US"},
      {"feed.language/rss", rss("<dc:language>fr</dc:language>"), "feed.language", "fr"},
      {"feed.language/rss", rss("<title>t</title>"), "feed.language", "de", http("", "", "", "de")},
      {"feed.language/rss", rss("<language>it</language>"), "feed.language", "it", http("", "", "", "de")},
      {"feed.language/rss",
       R"(<rss version="2.0" xml:lang="nl"><channel><language>pt</language></channel></rss>)", "feed.language",
       "pt"},
      {"feed.language/atom", R"(<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="es"></feed>)",
       "feed.language", "es", http("", "", "", "de")},
      {"feed.language/atom", atom("<title>t</title>"), "feed.language", "da", http("", "", "", "da")},
      {"feed.language/json", json(R"("language": "sv", "items": [])"), "feed.language", "sv"},
      {"feed.language/json", json(R"("items": [])"), "feed.language", "fi", http("", "", "", "fi")},
      {"feed.updated/rss", rss("<lastBuildDate>" + kDate1 + "</lastBuildDate>"), "feed.updated",
       "2010-09-06T00:01:00Z"},
      {"feed.updated/rss", rss("<pubDate>" + kDate1 + "</pubDate>"), "feed.updated", "2010-09-06T00:01:00Z"},
      {"feed.updated/rss", rss("<dc:date>" + kDate2 + "</dc:date><lastBuildDate>not a date</lastBuildDate>"),
       "feed.updated", "2010-09-07T10:00:00Z"},
      {"feed.updated/rss", rss("<lastBuildDate>" + kDate1 + "</lastBuildDate><dcterms:modified>" + kDate2 +
                               "</dcterms:modified>"),
       "feed.updated", "2010-09-07T10:00:00Z"},
      {"feed.updated/atom", atom("<updated>" + kDate2 + "</updated>"), "feed.updated", "2010-09-07T10:00:00Z"},
      {"feed.updated/atom", atom03("<modified>" + kDate2 + "</modified>"), "feed.updated",
       "2010-09-07T10:00:00Z"},
      {"feed.interval", rss("<ttl>45</ttl>"), "feed.interval", "45min"},
      {"feed.interval", rss("<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>"),
       "feed.interval", "720min"},

      // Entries
      {"entry.title/rss", rss(item("<title>A</title><title>B</title>")), "e0.title", "B"},
      {"entry.title/rss", rss(item("<title><![CDATA[Q&A <em>now</em>]]></title>")), "e0.title", "Q&A now"},
      {"entry.title/rss", rss(item("<dc:title>DC</dc:title>")), "e0.title", "DC"},
      {"entry.title/rss", rss(item("<media:title>Media</media:title>")), "e0.title", "Media"},
      {"entry.title/rss", rss(item("<title>Own</title><media:title>Media</media:title>")), "e0.title", "Own"},
      {"entry.title/rss", rss(item("<title></title>")), "e0.title", ""},
      {"entry.title/rss", rss(item("<link>http://e.example/</link>")), "e0.title", std::nullopt},
      {"entry.title/rss", rdf(item("<title>R1</title>")), "e0.title", "R1"},
      {"entry.title/atom", atom(entry(R"(<title type="html">&lt;img alt="&amp;lt;b&amp;gt;" src="x.png"/&gt;Pic</title>)")),
       "e0.title", "Pic"},
      {"entry.title/atom",
       atom(entry(R"(<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><img alt="a &lt;b&gt; c"/>T &amp; U</div></title>)")),
       "e0.title", "T & U"},
      {"entry.title/atom", atom03(entry(R"(<title mode="escaped" type="text/html">&lt;b&gt;E&lt;/b&gt;</title>)")),
       "e0.title", "E"},
      {"entry.title/atom", atom(entry("<media:title>M</media:title>")), "e0.title", "M"},
      {"entry.title/json", json(R"("items": [{"id": "1", "title": "J &amp; K"}])"), "e0.title", "J & K"},
      {"entry.link/rss", rss(item("<link>http://e.example/1</link><link>http://e.example/2</link>")), "e0.link",
       "http://e.example/1"},
      {"entry.link/rss", rss(item("<link>p/1</link>")), "e0.link", "http://loc.example/base/p/1",
       http("http://docs.example/feed", "", "http://loc.example/base/")},
      {"entry.link/rss", rss(item("<link>p/2</link>")), "e0.link", "http://docs.example/sub/p/2",
       http("http://docs.example/feed", "", "sub/")},
      {"entry.link/rss", rss(item(R"(<atom:link rel="alternate" href="http://e.example/al"/>)")), "e0.link",
       "http://e.example/al"},
      {"entry.link/rss", rss(item("<guid>http://e.example/g</guid>")), "e0.link", "http://e.example/g"},
      {"entry.link/rss", rss(item(R"(<guid isPermaLink="false">http://e.example/g</guid>)")), "e0.link",
       std::nullopt},
      {"entry.link/rss", rss(item("<guid>p/7</guid>")), "e0.link", "http://docs.example/p/7",
       http("http://docs.example/feed")},
      {"entry.link/rss", rss(item("<guid>7</guid>")), "e0.link", std::nullopt, http("http://docs.example/feed")},
      {"entry.link/rss", rss("<link>http://site.example/</link>" + item("<link>/post</link>")), "e0.link",
       "http://site.example/post"},
      {"entry.link/rss", rss(item(R"(<link xml:base="http://b.example/x/">y</link>)")), "e0.link",
       "http://b.example/x/y"},
      {"entry.link/rss", rdf(item("<link>http://e.example/r</link>")), "e0.link", "http://e.example/r"},
      {"entry.link/atom",
       atom(entry(R"(<link rel="related" href="http://e.example/rel"/><link rel="alternate" href="http://e.example/a"/><link href="http://e.example/b"/>)")),
       "e0.link", "http://e.example/a"},
      {"entry.link/atom", atom(entry("<id>https://e.example/by-id</id>")), "e0.link", "https://e.example/by-id"},
      {"entry.link/atom", atom(entry("<id>tag:e.example,2010:1</id>")), "e0.link", std::nullopt},
      {"entry.link/atom",
       R"(<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://b.example/dir/"><entry><link href="e1"/></entry></feed>)",
       "e0.link", "http://b.example/dir/e1"},
      {"entry.link/atom", atom03(entry(R"(<link rel="alternate" type="text/html" href="http://e.example/03"/>)")),
       "e0.link", "http://e.example/03"},
      {"entry.link/json", json(R"("items": [{"id": "1", "url": "/p"}])"), "e0.link", "http://docs.example/p",
       http("http://docs.example/feed.json")},
      {"entry.link/json", json(R"("items": [{"id": "1", "external_url": "http://x.example/"}])"), "e0.link",
       "http://x.example/"},
      {"entry.id/rss", rss(item("<guid>http://e.example/g1</guid>")), "e0.id", "http://e.example/g1"},
      {"entry.id/rss", rss(item(R"(<guid isPermaLink="false">k-7</guid>)")), "e0.id", "k-7",
       http("http://docs.example/feed")},
      {"entry.id/rss", rss(item("<guid>/k/8</guid>")), "e0.id", "http://docs.example/k/8",
       http("http://docs.example/feed")},
      {"entry.id/rss", rss(item("<guid>k-8</guid>")), "e0.id", "k-8", http("http://docs.example/feed")},
      {"entry.id/rss", rss(item("<dc:identifier>urn:isbn:1</dc:identifier>")), "e0.id", "urn:isbn:1"},
      {"entry.id/rss", rdf(R"(<item rdf:about="http://e.example/about"><title>t</title></item>)"), "e0.id",
       "http://e.example/about"},
      {"entry.id/atom", atom(entry("<id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>")), "e0.id",
       "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"},
      {"entry.id/atom", atom(entry("<id>entries/5</id>")), "e0.id", "http://loc.example/entries/5",
       http("http://docs.example/feed", "", "http://loc.example/")},
      {"entry.id/atom", atom(entry("<id>12345</id>")), "e0.id", "12345", http("http://docs.example/feed")},
      {"entry.id/atom", atom03(entry("<id>tag:e.example,2004:3</id>")), "e0.id", "tag:e.example,2004:3"},
      {"entry.id/json", json(R"("items": [{"id": "j-1"}])"), "e0.id", "j-1"},
      {"entry.id/fallback", rss(item("<link>HTTP://E.example:80/a#frag</link>")), "e0.id", "http://e.example/a"},
      {"entry.id/fallback", rss(item("<title>no link</title>")), "e0.id_prefix", "urn:fcd:"},
      {"entry.published/rss", rss(item("<pubDate>" + kDate1 + "</pubDate>")), "e0.published",
       "2010-09-06T00:01:00Z"},
      {"entry.published/rss", rss(item("<pubDate>" + kDate1 + "</pubDate><pubDate>" + kDate2 + "</pubDate>")),
       "e0.published", "2010-09-07T10:00:00Z"},
      {"entry.published/rss", rss(item("<dcterms:issued>" + kDate2 + "</dcterms:issued>")), "e0.published",
       "2010-09-07T10:00:00Z"},
      {"entry.published/rss", rss(item("<dc:date>" + kDate2 + "</dc:date>")), "e0.published",
       "2010-09-07T10:00:00Z"},
      {"entry.published/atom", atom(entry("<published>" + kDate2 + "</published>")), "e0.published",
       "2010-09-07T10:00:00Z"},
      {"entry.published/atom", atom03(entry("<issued>" + kDate1 + "</issued><published>" + kDate2 +
                                            "</published>")),
       "e0.published", "2010-09-07T10:00:00Z"},
      {"entry.published/atom", atom03(entry("<created>" + kDate2 + "</created>")), "e0.published",
       "2010-09-07T10:00:00Z"},
      {"entry.published/json", json(R"("items": [{"id": "1", "date_published": "2010-09-07T10:00:00Z"}])"),
       "e0.published", "2010-09-07T10:00:00Z"},
      {"entry.published/json", json(R"("items": [{"id": "1", "date_modified": "2010-09-07T10:00:00Z"}])"),
       "e0.published", "2010-09-07T10:00:00Z"},
      {"entry.updated/rss", rss(item("<dc:date>" + kDate2 + "</dc:date>")), "e0.updated",
       "2010-09-07T10:00:00Z"},
      {"entry.updated/rss", rss(item("<dcterms:modified>" + kDate2 + "</dcterms:modified>")), "e0.updated",
       "2010-09-07T10:00:00Z"},
      {"entry.updated/rss", rss(item("<pubDate>" + kDate1 + "</pubDate>")), "e0.updated", std::nullopt},
      {"entry.updated/atom", atom(entry("<updated>" + kDate1 + "</updated><updated>" + kDate2 + "</updated>")),
       "e0.updated", "2010-09-07T10:00:00Z"},
      {"entry.updated/atom", atom(entry("<updated>" + kDate2 + "</updated><updated>garbage</updated>")),
       "e0.updated", "2010-09-07T10:00:00Z"},
      {"entry.updated/atom", atom03(entry("<modified>" + kDate2 + "</modified>")), "e0.updated",
       "2010-09-07T10:00:00Z"},
      {"entry.updated/json", json(R"("items": [{"id": "1", "date_modified": "2010-09-07T10:00:00Z"}])"),
       "e0.updated", "2010-09-07T10:00:00Z"},
      {"entry.author/rss", rss(item("<author>jane@e.example (Jane Doe)</author>")), "e0.author",
       "jane@e.example (Jane Doe)"},
      {"entry.author/rss", rss(item("<dc:creator>Ann</dc:creator>")), "e0.author", "Ann"},
      {"entry.author/rss", rss(item("<author>First</author><dc:creator>Second</dc:creator>")), "e0.author",
       "Second"},
      {"entry.author/rss", rss(item("<itunes:author>Pod</itunes:author>")), "e0.author", "Pod"},
      {"entry.author/rss", rss("<itunes:author>Channel</itunes:author>" + item("<title>t</title>")), "e0.author",
       "Channel"},
      {"entry.author/rss", rss(item("<author/>")), "e0.author", ""},
      {"entry.author/atom", atom(entry("<author><name>N</name><email>n@e.example</email></author>")), "e0.author",
       "N (n@e.example)"},
      {"entry.author/atom", atom(entry("<author><name>Only</name></author>")), "e0.author", "Only"},
      {"entry.author/atom", atom(entry("<author><email>e@e.example</email></author>")), "e0.author",
       "e@e.example"},
      {"entry.author/atom", atom(entry("<author><name>A1</name></author><author><name>A2</name></author>")),
       "e0.author", "A1"},
      {"entry.author/atom", atom("<author><name>Feed</name></author>" + entry("<title>t</title>")), "e0.author",
       "Feed"},
      {"entry.author/atom", atom03(entry("<author><name>Old</name><email>o@e.example</email></author>")),
       "e0.author", "Old (o@e.example)"},
      {"entry.author/json", json(R"("items": [{"id": "1", "authors": [{"name": "J1"}, {"name": "J2"}]}])"),
       "e0.author", "J1"},
      {"entry.author/json", json(R"("author": {"name": "FeedJ"}, "items": [{"id": "1"}])"), "e0.author", "FeedJ"},
      {"entry.summary/rss", rss(item("<description>&lt;p&gt;Short&lt;/p&gt;</description>")), "e0.summary",
       "Short"},
      {"entry.summary/rss", rss(item("<description>D</description><summary>S</summary>")), "e0.summary", "D"},
      {"entry.summary/rss", rss(item("<description>D</description><summary>S</summary>")), "e0.content", "S"},
      {"entry.summary/rss", rss(item("<summary>S</summary><description>D</description>")), "e0.summary", "S"},
      {"entry.summary/rss", rss(item("<summary>S</summary><description>D</description>")), "e0.content", "D"},
      {"entry.summary/rss",
       rss(item("<content:encoded>C</content:encoded><description>D1</description><dc:description>D2</dc:description>")),
       "e0.summary", "D2"},
      {"entry.summary/rss", rss(item("<content:encoded>&lt;b&gt;Full&lt;/b&gt;</content:encoded>")), "e0.summary",
       "Full"},
      {"entry.summary/rss", rss(item("<dc:description>DC</dc:description>")), "e0.summary", "DC"},
      {"entry.summary/rss", rss(item("<media:description>Med</media:description>")), "e0.summary", "Med"},
      {"entry.summary/rss", rss(item("<media:group><media:description>G</media:description></media:group>")),
       "e0.summary", "G"},
      {"entry.summary/rss", rss(item("<description>Own</description><itunes:summary>It</itunes:summary>")),
       "e0.summary", "Own"},
      {"entry.summary/rss", rss(item("<itunes:summary>It</itunes:summary>")), "e0.summary", "It"},
      {"entry.summary/rss", rss(item("<description/>")), "e0.summary", ""},
      {"entry.summary/rss", rss(item("<title>t</title>")), "e0.summary", std::nullopt},
      {"entry.summary/rss", rdf(item("<description>RD</description>")), "e0.summary", "RD"},
      {"entry.summary/rss",
       rss(item("<description>&lt;p&gt;&lt;svg&gt;&lt;text&gt;Drawn&lt;/text&gt;&lt;/svg&gt; and "
                "&lt;math&gt;&lt;mi&gt;x&lt;/mi&gt;&lt;/math&gt;&lt;/p&gt;</description>")),
       "e0.summary", "Drawn and x"},
      {"entry.summary/atom", atom(entry(R"(<summary type="html">&lt;i&gt;S&lt;/i&gt;</summary>)")), "e0.summary",
       "S"},
      {"entry.summary/atom", atom(entry(R"(<content type="text">Body only</content>)")), "e0.summary",
       "Body only"},
      {"entry.summary/atom", atom(entry(R"(<summary>S1</summary><summary>S2</summary>)")), "e0.content", "S2"},
      {"entry.summary/atom",
       atom(entry(R"(<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><math xmlns="http://www.w3.org/1998/Math/MathML"><mi>a</mi><mo>+</mo><mi>b</mi></math></div></summary>)")),
       "e0.summary", "a+b"},
      {"entry.summary/atom", atom03(entry(R"(<summary type="text/plain" mode="escaped">03 sum</summary>)")),
       "e0.summary", "03 sum"},
      {"entry.summary/atom", atom(entry(R"(<summary type="html"/>)")), "e0.summary", ""},
      {"entry.summary/json", json(R"("items": [{"id": "1", "summary": "JS"}])"), "e0.summary", "JS"},
      {"entry.content/rss", rss(item("<content:encoded>&lt;p&gt;Full &lt;b&gt;text&lt;/b&gt;&lt;/p&gt;</content:encoded>")),
       "e0.content_html", "<p>Full <b>text</b></p>"},
      {"entry.content/rss",
       rss(item(R"(<body xmlns="http://www.w3.org/1999/xhtml"><p>X<b>B</b></p></body><description>D</description>)")),
       "e0.content_html", "<p>X<b>B</b></p>"},
      {"entry.content/rss",
       rss(item(R"(<description>D</description><body xmlns="http://www.w3.org/1999/xhtml"><p>XB</p></body>)")),
       "e0.summary", "D"},
      {"entry.content/rss", rss(item(R"(<xhtml:div><p>Div</p></xhtml:div>)")), "e0.content", "Div"},
      {"entry.content/rss", rss(item("<fullitem>&lt;p&gt;Whole&lt;/p&gt;</fullitem>")), "e0.content", "Whole"},
      {"entry.content/rss",
       rss(item("<content:encoded>first</content:encoded><content:encoded>second</content:encoded>")),
       "e0.content", "first"},
      {"entry.content/rss", rss(item("<content:encoded></content:encoded>")), "e0.content", ""},
      {"entry.content/rss", rss(item("<content:encoded>&lt;a href=\"/x\"&gt;l&lt;/a&gt;</content:encoded>")),
       "e0.content_html", "<a href=\"http://docs.example/x\">l</a>", http("http://docs.example/feed")},
      {"entry.content/rss",
       rss(item("<content:encoded>&lt;svg viewBox=\"0 0 2 2\"&gt;&lt;script&gt;x()&lt;/script&gt;&lt;circle r=\"1\"/&gt;&lt;/svg&gt;</content:encoded>")),
       "e0.content_html", "<svg viewBox=\"0 0 2 2\"><circle r=\"1\"></circle></svg>"},
      {"entry.content/atom", atom(entry(R"(<content type="html">&lt;p&gt;H&lt;/p&gt;</content>)")),
       "e0.content_html", "<p>H</p>"},
      {"entry.content/atom", atom(entry(R"(<content>a &lt; b</content>)")), "e0.content_html", "a &lt; b"},
      {"entry.content/atom",
       atom(entry(R"(<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>XH</p></div></content>)")),
       "e0.content_html", "<p>XH</p>"},
      {"entry.content/atom", atom(entry(R"(<content src="http://e.example/c"/>)")), "e0.content", std::nullopt},
      {"entry.content/atom", atom(entry(R"(<content type="application/octet-stream">SGk=</content>)")),
       "e0.content", "Hi"},
      {"entry.content/atom", atom03(entry(R"(<content type="text/html" mode="base64">PGI+QjwvYj4=</content>)")),
       "e0.content_html", "<b>B</b>"},
      {"entry.content/json", json(R"("items": [{"id": "1", "content_html": "<p>J</p>"}])"), "e0.content_html",
       "<p>J</p>"},
      {"entry.content/json", json(R"("items": [{"id": "1", "content_text": "a < b"}])"), "e0.content_html",
       "a &lt; b"},
      {"entry.enclosures/rss",
       rss(item(R"(<enclosure url="a.mp3" type="audio/mpeg" length="12"/><media:content url="http://m.example/v.mp4" type="video/mp4" fileSize="34"/>)")),
       "e0.enclosures", "http://docs.example/a.mp3|http://m.example/v.mp4", http("http://docs.example/")},
      {"entry.enclosures/rss",
       rss(item(R"(<enclosure url="http://e.example/a.mp3" type="audio/mpeg" length="12"/><media:content url="http://m.example/v.mp4" type="video/mp4" fileSize="34"/>)")),
       "e0.enclosure_types", "audio/mpeg:12|video/mp4:34"},
      {"entry.enclosures/rss", rss(item(R"(<atom:link rel="enclosure" href="http://e.example/e.ogg"/>)")),
       "e0.enclosures", "http://e.example/e.ogg"},
      {"entry.enclosures/atom",
       atom(entry(R"(<link rel="enclosure" href="http://e.example/p.mp3" type="audio/mpeg" length="99"/>)")),
       "e0.enclosure_types", "audio/mpeg:99"},
      {"entry.enclosures/json",
       json(R"("items": [{"id": "1", "attachments": [{"url": "http://e.example/a", "mime_type": "audio/ogg", "size_in_bytes": 5}]}])"),
       "e0.enclosure_types", "audio/ogg:5"},
      {"entry.categories/rss", rss(item("<category>One</category><dc:subject>Two</dc:subject>")),
       "e0.categories", "One|Two"},
      {"entry.categories/atom", atom(entry(R"(<category term="t1"/><category label="L2"/>)")), "e0.categories",
       "t1|L2"},
      {"entry.categories/json", json(R"("items": [{"id": "1", "tags": ["a", "b"]}])"), "e0.categories", "a|b"},
      {"entry.thumbnail",
       rss(item(R"(<media:thumbnail url="t1.jpg"/><media:thumbnail url="t2.jpg"/>)")), "e0.thumbnail",
       "http://docs.example/t1.jpg", http("http://docs.example/")},
      {"entry.thumbnail", atom(entry(R"(<media:thumbnail url="http://e.example/a.png"/>)")), "e0.thumbnail",
       "http://e.example/a.png"},
      {"entry.thumbnail", json(R"("items": [{"id": "1", "image": "http://e.example/j.png"}])"), "e0.thumbnail",
       "http://e.example/j.png"},

      // Recovery
      {"recover.unclosed",
       rss(item("<title>1</title><description>a <b>b</description><link>http://e.example/1</link>") +
           item("<title>2</title>")),
       "e0.link", "http://e.example/1"},
      {"recover.unclosed",
       rss(item("<title>1</title><description>a <b>b</description>") + item("<title>2</title>")), "entries",
       "2"},
      {"recover.unclosed", rss(item("<title>1</title><description>a <b>b</description>") + item("<title>2</title>")),
       "e0.summary", "a b"},
      {"recover.stray-end",
       rss(item("<title>1</title><description>a</p> b</description><link>http://e.example/1</link>") +
           item("<title>2</title>")),
       "e0.summary", "a b"},
      {"recover.stray-end",
       rss(item("<title>1</title><description>a</p> b</description>") + item("<title>2</title>")), "e1.title",
       "2"},
      {"recover.item-in-item", rss("<item><title>1</title><foo>" + item("<title>2</title>") + "</item>"),
       "e1.title", "2"},
      {"recover.item-in-item", rss("<item><title>1</title><foo>" + item("<title>2</title>") + "</item>"),
       "e0.title", "1"},
      {"recover.references",
       rss(item("<title>bad &#1; ref</title>") + item("<title>A &amp;#27; B, 1 &lt; 2</title>")), "e1.title",
       "A  B, 1 < 2"},  // the escaped reference is read (ESC), then removed as every control character is
      {"recover.references", rss(item("<title>a &#1;&amp;b &#xFFFE;&lt;</title>")), "e0.title", "a &b <"},
      {"recover.references", rss(item("<title>a &#1;&amp;b</title>")), "bozo", "true"},
      {"recover.references", atom(entry("<title><![CDATA[kept &#1; as written]]></title>")), "e0.title",
       "kept &#1; as written"},
      {"recover.references",
       rss(item("<title>x</title><description>a <b>b</description>") +
           item("<description>&lt;p&gt;P&lt;/p&gt; &amp;amp;</description>")),
       "e1.summary", "P &"},
      {"recover.stray-amp", rss(item("<title>Q&A</title><link>http://e.example/?a=1&b=2</link>")), "e0.title",
       "Q&A"},
      {"recover.stray-amp", rss(item("<title>Q&A</title><link>http://e.example/?a=1&b=2</link>")), "e0.link",
       "http://e.example/?a=1&b=2"},
      {"recover.cut", R"(<rss version="2.0"><channel><item><title>Whole</title></item><item><title>Cut of)",
       "e1.title", "Cut of"},
      {"recover.cut", R"(<rss version="2.0"><channel><item><title>Whole</title></item><item><title>Cut of)",
       "bozo", "true"},
      {"recover.html-entity", rss(item("<title>a &mdash; b &eacute;</title>")), "e0.title",
       "a \u2014 b \u00e9"},
  };
}

void PrintTo(const MappingCase& c, std::ostream* out) { *out << c.row << " " << c.field; }

class FeedMapping : public testing::TestWithParam<MappingCase> {};

TEST_P(FeedMapping, FieldHasTheRowsValue) {
  const MappingCase& c = GetParam();
  const ParsedFeed feed = parse_feed(c.document, c.options);
  EXPECT_EQ(field_of(feed, c.field), c.expected) << "row " << c.row << ", field " << c.field << "\n" << c.document;
}

std::string case_name(const testing::TestParamInfo<MappingCase>& info) {
  std::string name = info.param.row + "_" + info.param.field + "_" + std::to_string(info.index);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Rows, FeedMapping, testing::ValuesIn(mapping_cases()), case_name);

// The rows of the document, by the `row` names in its tables' first column.
std::set<std::string> document_rows() {
  std::ifstream in(std::string(FCD_SOURCE_DIR) + "/docs/feed-mapping.md");
  static const std::regex kRow(R"(^\| `([a-z.\-/]+)` \|)");
  std::set<std::string> rows;
  std::string line;
  std::smatch match;
  while (std::getline(in, line))
    if (std::regex_search(line, match, kRow)) rows.insert(match[1]);
  return rows;
}

TEST(FeedMappingTable, EveryRowHasACaseAndEveryCaseARow) {
  const std::set<std::string> rows = document_rows();
  ASSERT_GT(rows.size(), 40u);
  std::set<std::string> covered;
  for (const MappingCase& c : mapping_cases()) {
    EXPECT_TRUE(rows.contains(c.row)) << "case names a row the document does not have: " << c.row;
    covered.insert(c.row);
  }
  for (const std::string& row : rows) EXPECT_TRUE(covered.contains(row)) << "row without a case: " << row;
  std::cout << rows.size() << " mapping rows, " << mapping_cases().size() << " cases\n";
}

}  // namespace
}  // namespace fcd::feed
