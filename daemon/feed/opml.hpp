#pragma once
// OPML 1.0/2.0 subscription lists, read and written. Pure, safe from any thread.
#include <string>
#include <string_view>
#include <vector>

namespace fcd::feed {

struct OpmlFeed {
  std::string xml_url;   // the feed's URL (outline xmlUrl), never empty
  std::string html_url;  // the site's URL (htmlUrl), may be empty
  std::string title;     // outline title, else text; may be empty
  // Titles of the enclosing category outlines, outermost first, followed by the
  // entries of the outline's own `category` attribute ("/News/World,Tech").
  std::vector<std::string> tags;
};

struct OpmlParseResult {
  bool ok = false;
  std::string error;  // why the document was not read, when !ok
  std::string title;  // head/title
  std::vector<OpmlFeed> feeds;
  // Outlines left out because their xmlUrl failed the URL policy (url/url.hpp:
  // url::safe) or was longer than 4096 bytes.
  std::size_t refused_urls = 0;
};

// Reads OPML from bytes (any encoding the feed parser accepts). Outlines without
// xmlUrl are categories; nesting becomes tags. Ill-formed XML is recovered as far
// as possible; a document whose root is not <opml>, or that declares an entity,
// is an error. Control characters are removed from titles and tags.
OpmlParseResult parse_opml(std::string_view bytes);

// Writes OPML 2.0 that parse_opml reads back to the same feeds: feeds that share
// a tag path are nested under category outlines named by those tags (the
// `category` attribute is not used).
std::string write_opml(const std::vector<OpmlFeed>& feeds, std::string_view title);

}  // namespace fcd::feed
