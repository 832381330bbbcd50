#include "feed/field_policy.hpp"

#include <algorithm>

#include "feed/text_util.hpp"
#include "url/url.hpp"

namespace fcd::feed::detail {

void apply_field_policy(Entry& entry, std::string& guid) {
  url::make_safe(entry.link);
  url::make_safe(entry.thumbnail);
  for (Enclosure& enclosure : entry.enclosures) {
    url::make_safe(enclosure.url);
    remove_control_characters(enclosure.type);
  }
  std::erase_if(entry.enclosures, [](const Enclosure& enclosure) { return enclosure.url.empty(); });
  for (std::string* text : {&guid, &entry.title, &entry.author, &entry.summary, &entry.content, &entry.content_html})
    remove_control_characters(*text);
  for (std::string& category : entry.categories) remove_control_characters(category);
}

void apply_field_policy(ParsedFeed& feed) {
  url::make_safe(feed.link);
  for (std::string* text : {&feed.title, &feed.subtitle, &feed.language, &feed.version, &feed.bozo_message})
    remove_control_characters(*text);
}

}  // namespace fcd::feed::detail
