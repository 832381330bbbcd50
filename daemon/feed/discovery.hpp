#pragma once
// Feed autodiscovery in HTML pages. Pure, safe from any thread.
#include <string>
#include <string_view>
#include <vector>

namespace fcd::feed {

struct FeedLink {
  std::string url;    // resolved against base_url when that is absolute
  std::string type;   // application/rss+xml, application/atom+xml or application/feed+json
  std::string title;  // may be empty
};

// The <link rel="alternate" type="application/rss+xml|atom+xml|feed+json" href=...>
// elements of an HTML page, in document order, without duplicates. Used to tell
// a user that a URL is a page that links a feed.
std::vector<FeedLink> find_feed_links(std::string_view html, std::string_view base_url = {});

}  // namespace fcd::feed
