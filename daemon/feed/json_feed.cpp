// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1).
#include <nlohmann/json.hpp>

#include "feed/date.hpp"
#include "feed/html.hpp"
#include "feed/internal.hpp"
#include "feed/text_util.hpp"
#include "feed/url.hpp"

namespace fcd::feed::detail {

namespace {

using Json = nlohmann::json;

std::string string_at(const Json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end()) return {};
  if (found->is_string()) return found->get<std::string>();
  if (found->is_number_integer()) return std::to_string(found->get<long long>());
  return {};
}

// Text fields are capped like the XML reader's; true when one was cut.
bool capped(std::string& text, const ParseOptions& options) { return cap_text(text, options.limits.max_field_bytes); }

std::string author_name(const Json& item) {
  if (const auto authors = item.find("authors"); authors != item.end() && authors->is_array()) {
    for (const Json& author : *authors)
      if (author.is_object()) {
        std::string name = fold_whitespace(string_at(author, "name"));
        if (!name.empty()) return name;
      }
  }
  if (const auto author = item.find("author"); author != item.end() && author->is_object())
    return fold_whitespace(string_at(*author, "name"));
  return {};
}

}  // namespace

void parse_json_feed(std::string_view text, const ParseOptions& options, ParsedFeed& feed, const EntrySink* on_entry) {
  feed.format = FeedFormat::kJson;
  const Json document = Json::parse(text.begin(), text.end(), nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    feed.bozo = true;
    feed.bozo_message = "not a feed: invalid JSON";
    return;
  }
  const std::string version = string_at(document, "version");
  const auto items = document.find("items");
  if (version.find("jsonfeed.org/version/") == std::string::npos && (items == document.end() || !items->is_array())) {
    feed.bozo = true;
    feed.bozo_message = "not a feed: JSON without a JSON Feed version or items";
    return;
  }
  feed.is_feed = true;
  if (const std::size_t slash = version.rfind('/'); slash != std::string::npos) feed.version = version.substr(slash + 1);
  if (version.find("jsonfeed.org/version/") == std::string::npos) {
    feed.bozo = true;
    feed.bozo_message = "JSON Feed without a version";
  }
  feed.title = fold_whitespace(string_at(document, "title"));
  feed.link = resolve_url(options.base_url, string_at(document, "home_page_url"));
  feed.subtitle = fold_whitespace(string_at(document, "description"));
  feed.language = string_at(document, "language");
  if (const std::string author = author_name(document); !author.empty() && feed.title.empty()) feed.title = author;
  if (items == document.end() || !items->is_array()) return;
  const std::string& base = options.base_url.empty() ? feed.link : options.base_url;
  std::size_t entry_count = 0;
  for (const Json& item : *items) {
    if (!item.is_object()) continue;
    if (entry_count >= options.limits.max_entries) {
      feed.truncated = true;
      break;
    }
    Entry entry;
    entry.title = html_to_text(string_at(item, "title"));
    std::string url = string_at(item, "url");
    if (url.empty()) url = string_at(item, "external_url");
    if (!url.empty()) entry.link = base.empty() ? url : resolve_url(base, url);
    entry.published = parse_date(string_at(item, "date_published"));
    entry.updated = parse_date(string_at(item, "date_modified"));
    entry.author = author_name(item);
    if (entry.author.empty()) entry.author = author_name(document);
    entry.summary = fold_whitespace(string_at(item, "summary"));
    std::string html = string_at(item, "content_html");
    const std::string plain = string_at(item, "content_text");
    entry.truncated = capped(html, options) || capped(entry.summary, options) || capped(entry.title, options);
    if (!html.empty()) {
      entry.content_html = sanitize_html(html, base);
      entry.content = html_to_text(html);
    } else if (!plain.empty()) {
      entry.content = fold_whitespace(plain);
      entry.content_html = escape_html(plain);
    }
    entry.truncated = capped(entry.content, options) || entry.truncated;
    if (const auto tags = item.find("tags"); tags != item.end() && tags->is_array())
      for (const Json& tag : *tags)
        if (tag.is_string()) entry.categories.push_back(fold_whitespace(tag.get<std::string>()));
    if (const auto attachments = item.find("attachments"); attachments != item.end() && attachments->is_array()) {
      for (const Json& attachment : *attachments) {
        if (!attachment.is_object()) continue;
        Enclosure enclosure;
        enclosure.url = string_at(attachment, "url");
        if (enclosure.url.empty()) continue;
        if (!base.empty()) enclosure.url = resolve_url(base, enclosure.url);
        enclosure.type = string_at(attachment, "mime_type");
        if (const auto size = attachment.find("size_in_bytes"); size != attachment.end() && size->is_number_unsigned())
          enclosure.length = static_cast<std::int64_t>(size->get<std::uint64_t>() & 0x7FFFFFFFFFFFFFFFULL);
        entry.enclosures.push_back(std::move(enclosure));
      }
    }
    if (std::string image = string_at(item, "image"); !image.empty())
      entry.thumbnail = base.empty() ? image : resolve_url(base, image);
    finish_entry(entry, fold_whitespace(string_at(item, "id")), options);
    ++entry_count;
    if (on_entry != nullptr) (*on_entry)(entry);
    else feed.entries.push_back(std::move(entry));
  }
}

}  // namespace fcd::feed::detail
