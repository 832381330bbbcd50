// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1).
#include <nlohmann/json.hpp>

#include <span>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "feed/html.hpp"
#include "feed/internal.hpp"
#include "feed/text_util.hpp"
#include "url/url.hpp"

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

// What of a JSON Feed document is kept: the members the reader below looks at,
// each with the shape it may have. Everything else is read, counted and
// dropped, so memory follows what is kept rather than what was sent (a JSON DOM
// costs tens of bytes per "[]" of input).
struct Shape {
  struct Member {
    std::string_view key;
    const Shape* shape;
  };
  enum class Kind { kScalar, kObject, kArray };
  Kind kind = Kind::kScalar;
  std::span<const Member> members{};  // kObject: the members kept
  const Shape* element = nullptr;     // kArray: the shape of each element kept
  std::size_t max_elements = 0;       // kArray: elements past this are dropped

  const Shape* member(std::string_view key) const {
    for (const Member& m : members)
      if (m.key == key) return m.shape;
    return nullptr;
  }
};

extern const Shape kScalar, kNamed, kAuthors, kTags, kAttachment, kAttachments, kItem;
constexpr Shape::Member kNamedMembers[] = {{"name", &kScalar}};
constexpr Shape::Member kAttachmentMembers[] = {{"url", &kScalar}, {"mime_type", &kScalar}, {"size_in_bytes", &kScalar}};
constexpr Shape::Member kItemMembers[] = {
    {"id", &kScalar},           {"url", &kScalar},          {"external_url", &kScalar}, {"title", &kScalar},
    {"date_published", &kScalar}, {"date_modified", &kScalar}, {"summary", &kScalar},     {"content_html", &kScalar},
    {"content_text", &kScalar}, {"author", &kNamed},        {"authors", &kAuthors},     {"tags", &kTags},
    {"attachments", &kAttachments}, {"image", &kScalar}};
// "items" has no shape here: its element cap comes from the limits (FilteringReader::items_).
constexpr Shape::Member kRootMembers[] = {
    {"version", &kScalar},  {"title", &kScalar},  {"home_page_url", &kScalar}, {"description", &kScalar},
    {"language", &kScalar}, {"author", &kNamed}, {"authors", &kAuthors},      {"items", nullptr}};
constexpr Shape kScalar{};
constexpr Shape kNamed{Shape::Kind::kObject, kNamedMembers};
constexpr Shape kAuthors{Shape::Kind::kArray, {}, &kNamed, 16};
constexpr Shape kTags{Shape::Kind::kArray, {}, &kScalar, 256};
constexpr Shape kAttachment{Shape::Kind::kObject, kAttachmentMembers};
constexpr Shape kAttachments{Shape::Kind::kArray, {}, &kAttachment, 64};
constexpr Shape kItem{Shape::Kind::kObject, kItemMembers};
constexpr Shape kRoot{Shape::Kind::kObject, kRootMembers};

// Builds the kept part of the document from nlohmann's SAX events, with a
// depth limit and a count of every value read (kept or not).
class FilteringReader final : public nlohmann::json_sax<Json> {
 public:
  FilteringReader(const ParseLimits& limits, Json& root) : limits_(limits), root_(root) {}

  bool null() override { return scalar(nullptr); }
  bool boolean(bool value) override { return scalar(value); }
  bool number_integer(number_integer_t value) override { return scalar(value); }
  bool number_unsigned(number_unsigned_t value) override { return scalar(value); }
  bool number_float(number_float_t value, const string_t&) override { return scalar(value); }
  bool string(string_t& value) override { return scalar(std::move(value)); }
  bool binary(binary_t&) override { return scalar(nullptr); }
  bool start_object(std::size_t) override { return open(Shape::Kind::kObject); }
  bool start_array(std::size_t) override { return open(Shape::Kind::kArray); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& key) override {
    Frame& frame = frames_.back();
    frame.key.clear();
    frame.key_shape = nullptr;
    frame.keep_key = false;
    if (frame.target == nullptr) return true;
    frame.key_shape = frame.shape->member(key);
    if (frame.key_shape == nullptr && !(frame.shape == &kRoot && key == "items")) return true;
    frame.key = std::move(key);
    frame.keep_key = true;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception&) override {
    if (error_.empty()) error_ = "invalid JSON at byte " + std::to_string(position);
    return false;
  }

  // Why the document was refused; empty when it was read.
  const std::string& error() const { return error_; }
  bool items_truncated() const { return items_truncated_; }

 private:
  struct Frame {
    Json* target = nullptr;  // the container being filled; null while skipping
    const Shape* shape = nullptr;
    std::size_t elements = 0;
    std::string key;               // the pending member's key, objects only
    const Shape* key_shape = nullptr;
    bool keep_key = false;
  };

  bool count() {
    if (++values_ > limits_.max_json_values) {
      error_ = "JSON with more than " + std::to_string(limits_.max_json_values) + " values";
      return false;
    }
    return true;
  }

  // Where the next value goes and with which shape; null target: dropped.
  std::pair<Json*, const Shape*> slot() {
    if (frames_.empty()) return {&root_, &kRoot};
    Frame& frame = frames_.back();
    if (frame.target == nullptr) return {nullptr, nullptr};
    if (frame.target->is_object()) {
      if (!frame.keep_key) return {nullptr, nullptr};
      frame.keep_key = false;
      const Shape* shape = frame.key_shape;
      if (shape == nullptr) shape = &items_;  // "items" of the root
      return {&(*frame.target)[frame.key], shape};
    }
    const Shape* array_shape = frame.shape;
    if (frame.elements++ >= array_shape->max_elements) {
      if (array_shape == &items_) items_truncated_ = true;
      return {nullptr, nullptr};
    }
    frame.target->push_back(nullptr);
    return {&frame.target->back(), array_shape->element};
  }

  template <typename Value>
  bool scalar(Value&& value) {
    if (!count()) return false;
    const auto [target, shape] = slot();
    if (target != nullptr && shape->kind == Shape::Kind::kScalar) *target = std::forward<Value>(value);
    return true;
  }

  bool open(Shape::Kind kind) {
    if (!count()) return false;
    if (frames_.size() >= limits_.max_json_depth) {
      error_ = "JSON nested deeper than " + std::to_string(limits_.max_json_depth);
      return false;
    }
    auto [target, shape] = slot();
    if (target != nullptr && shape->kind != kind) target = nullptr;
    if (target != nullptr) *target = kind == Shape::Kind::kObject ? Json::object() : Json::array();
    Frame frame;
    frame.target = target;
    frame.shape = shape;
    frames_.push_back(std::move(frame));
    return true;
  }

  bool close() {
    frames_.pop_back();
    return true;
  }

  const ParseLimits& limits_;
  Json& root_;
  // "items": the one array whose cap comes from the limits.
  const Shape items_{Shape::Kind::kArray, {}, &kItem, limits_.max_entries};
  std::vector<Frame> frames_;
  std::size_t values_ = 0;
  bool items_truncated_ = false;
  std::string error_;
};

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
  Json document;
  FilteringReader reader(options.limits, document);
  if (!Json::sax_parse(text.begin(), text.end(), &reader) || !document.is_object()) {
    feed.bozo = true;
    feed.bozo_message = "not a feed: " + (reader.error().empty() ? std::string("invalid JSON") : reader.error());
    return;
  }
  if (reader.items_truncated()) feed.truncated = true;
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
  feed.link = url::resolve(options.base_url, string_at(document, "home_page_url"));
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
    if (!url.empty()) entry.link = base.empty() ? url : url::resolve(base, url);
    entry.published = core::parse_date(string_at(item, "date_published"));
    entry.updated = core::parse_date(string_at(item, "date_modified"));
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
        if (!base.empty()) enclosure.url = url::resolve(base, enclosure.url);
        enclosure.type = string_at(attachment, "mime_type");
        if (const auto size = attachment.find("size_in_bytes"); size != attachment.end() && size->is_number_unsigned())
          enclosure.length = static_cast<std::int64_t>(size->get<std::uint64_t>() & 0x7FFFFFFFFFFFFFFFULL);
        entry.enclosures.push_back(std::move(enclosure));
      }
    }
    if (std::string image = string_at(item, "image"); !image.empty())
      entry.thumbnail = base.empty() ? image : url::resolve(base, image);
    finish_entry(entry, fold_whitespace(string_at(item, "id")), options);
    ++entry_count;
    if (on_entry != nullptr) (*on_entry)(entry);
    else feed.entries.push_back(std::move(entry));
  }
}

}  // namespace fcd::feed::detail
