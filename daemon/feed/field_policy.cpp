#include "feed/field_policy.hpp"

#include <algorithm>

#include "feed/text_util.hpp"
#include "feed/url.hpp"

namespace fcd::feed::detail {

namespace {

void apply_url_policy(std::string& url) {
  if (url.empty()) return;
  std::optional<std::string> safe = safe_url(url);
  if (!safe) url.clear();
  else if (*safe != url) url = std::move(*safe);
}

}  // namespace

void apply_field_policy(Entry& entry, std::string& guid) {
  apply_url_policy(entry.link);
  apply_url_policy(entry.thumbnail);
  for (Enclosure& enclosure : entry.enclosures) {
    apply_url_policy(enclosure.url);
    remove_control_characters(enclosure.type);
  }
  std::erase_if(entry.enclosures, [](const Enclosure& enclosure) { return enclosure.url.empty(); });
  for (std::string* text : {&guid, &entry.title, &entry.author, &entry.summary, &entry.content, &entry.content_html})
    remove_control_characters(*text);
  for (std::string& category : entry.categories) remove_control_characters(category);
}

void apply_field_policy(ParsedFeed& feed) {
  apply_url_policy(feed.link);
  for (std::string* text : {&feed.title, &feed.subtitle, &feed.language, &feed.version, &feed.bozo_message})
    remove_control_characters(*text);
}

}  // namespace fcd::feed::detail
