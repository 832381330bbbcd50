#pragma once
// What every field passes on its way out of the parser, whatever the format:
// URL-valued fields through url::safe (url/url.hpp), plain-text fields without
// control characters (feed/text_util.hpp). Private to fcd_feed; pure.
#include <string>

#include "feed/feed.hpp"

namespace fcd::feed::detail {

// Cleans one entry before its id is chosen: a link or image that fails the URL
// policy is cleared, an enclosure whose URL fails it is dropped, control
// characters are removed from every text field and from guid.
void apply_field_policy(Entry& entry, std::string& guid);

// The same for the feed's own fields (title, link, subtitle, language, version,
// bozo_message); entries are cleaned one by one by the overload above.
void apply_field_policy(ParsedFeed& feed);

}  // namespace fcd::feed::detail
