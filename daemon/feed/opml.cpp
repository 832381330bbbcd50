#include "feed/opml.hpp"

#include <map>

#include "feed/encoding.hpp"
#include "feed/html.hpp"
#include "feed/libxml.hpp"
#include "feed/text_util.hpp"
#include "url/url.hpp"

namespace fcd::feed {

namespace {

struct XmlStringDeleter {
  void operator()(xmlChar* text) const { xmlFree(text); }
};
using XmlStringPtr = std::unique_ptr<xmlChar, XmlStringDeleter>;

// URLs longer than this are refused: no feed needs one, and each is stored and
// fetched.
constexpr std::size_t kMaxUrlBytes = 4096;

std::string attribute(xmlNode* node, const char* name) {
  XmlStringPtr value{xmlGetProp(node, reinterpret_cast<const xmlChar*>(name))};
  if (!value) return {};
  std::string text = fold_whitespace(reinterpret_cast<const char*>(value.get()));
  detail::remove_control_characters(text);
  return text;
}

// The URL as the feed parser's URL policy leaves it; empty when refused.
std::string checked_url(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return {};
  return url::safe(url).value_or(std::string{});
}

// An entity declaration in a subscription list serves no purpose but
// amplification: each reference in an attribute is expanded again by every
// read of that attribute. The parse stops at the first one.
void refuse_entity_declaration(void* context, const xmlChar*, int, const xmlChar*, const xmlChar*, xmlChar*) {
  auto* parser = static_cast<xmlParserCtxt*>(context);
  *static_cast<bool*>(parser->_private) = true;
  xmlStopParser(parser);
}

bool named(xmlNode* node, std::string_view name) {
  return node->type == XML_ELEMENT_NODE && detail::iequals(reinterpret_cast<const char*>(node->name), name);
}

// "/News/World, Tech" -> {"News", "World", "Tech"}.
void append_categories(std::string_view text, std::vector<std::string>& tags) {
  std::string current;
  const auto flush = [&] {
    std::string tag = fold_whitespace(current);
    if (!tag.empty()) tags.push_back(std::move(tag));
    current.clear();
  };
  for (char c : text) {
    if (c == ',' || c == '/') flush();
    else current.push_back(c);
  }
  flush();
}

void walk(xmlNode* parent, std::vector<std::string>& path, OpmlParseResult& result, std::size_t depth) {
  constexpr std::size_t kMaxDepth = 32;
  if (depth > kMaxDepth) return;
  for (xmlNode* node = parent->children; node != nullptr; node = node->next) {
    if (!named(node, "outline")) continue;
    std::string title = attribute(node, "title");
    if (title.empty()) title = attribute(node, "text");
    std::string xml_url = attribute(node, "xmlUrl");
    if (xml_url.empty()) xml_url = attribute(node, "xmlurl");
    if (!xml_url.empty()) {
      std::string checked = checked_url(xml_url);
      if (checked.empty()) {
        ++result.refused_urls;
        continue;
      }
      OpmlFeed feed{std::move(checked), checked_url(attribute(node, "htmlUrl")), std::move(title), path};
      append_categories(attribute(node, "category"), feed.tags);
      result.feeds.push_back(std::move(feed));
      continue;
    }
    const bool pushed = !title.empty();
    if (pushed) path.push_back(title);
    walk(node, path, result, depth + 1);
    if (pushed) path.pop_back();
  }
}

struct CategoryNode {
  std::vector<const OpmlFeed*> feeds;
  std::vector<std::string> order;  // child names, first-seen order
  std::map<std::string, CategoryNode> children;
};

void write_outlines(const CategoryNode& node, std::size_t indent, std::string& out) {
  const std::string pad(indent * 2, ' ');
  for (const OpmlFeed* feed : node.feeds) {
    out += pad + "<outline type=\"rss\" text=\"" + escape_html(feed->title) + "\" title=\"" +
           escape_html(feed->title) + "\" xmlUrl=\"" + escape_html(feed->xml_url) + "\"";
    if (!feed->html_url.empty()) out += " htmlUrl=\"" + escape_html(feed->html_url) + "\"";
    out += "/>\n";
  }
  for (const std::string& name : node.order) {
    out += pad + "<outline text=\"" + escape_html(name) + "\" title=\"" + escape_html(name) + "\">\n";
    write_outlines(node.children.at(name), indent + 1, out);
    out += pad + "</outline>\n";
  }
}

}  // namespace

OpmlParseResult parse_opml(std::string_view bytes) {
  OpmlParseResult result;
  detail::ensure_libxml_initialised();
  const detail::DecodedText decoded = detail::decode_to_utf8(bytes, {});
  std::string_view text = detail::trim(decoded.text);
  if (text.empty()) {
    result.error = "empty document";
    return result;
  }
  if (text.size() > static_cast<std::size_t>(INT32_MAX)) {
    result.error = "document too large";
    return result;
  }
  detail::ParserContextPtr context{xmlNewParserCtxt()};
  if (!context) {
    result.error = "cannot create an XML parser context";
    return result;
  }
  bool declares_entities = false;
  context->sax->entityDecl = refuse_entity_declaration;
  context->_private = &declares_entities;
  detail::DocPtr doc{xmlCtxtReadMemory(context.get(), text.data(), static_cast<int>(text.size()), nullptr, "UTF-8",
                                       detail::kParseOptions | XML_PARSE_NOERROR)};
  if (declares_entities) {
    result.error = "entity declarations are refused in OPML";
    return result;
  }
  xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (root == nullptr || !named(root, "opml")) {
    result.error = root == nullptr ? "not XML" : "not OPML: the root element is <" +
                                                     std::string(reinterpret_cast<const char*>(root->name)) + ">";
    return result;
  }
  for (xmlNode* section = root->children; section != nullptr; section = section->next) {
    if (named(section, "head")) {
      for (xmlNode* field = section->children; field != nullptr; field = field->next)
        if (named(field, "title")) {
          XmlStringPtr content{xmlNodeGetContent(field)};
          if (content) result.title = fold_whitespace(reinterpret_cast<const char*>(content.get()));
          detail::remove_control_characters(result.title);
        }
    } else if (named(section, "body")) {
      std::vector<std::string> path;
      walk(section, path, result, 0);
    }
  }
  result.ok = true;
  return result;
}

std::string write_opml(const std::vector<OpmlFeed>& feeds, std::string_view title) {
  CategoryNode root;
  for (const OpmlFeed& feed : feeds) {
    CategoryNode* node = &root;
    for (const std::string& tag : feed.tags) {
      if (!node->children.contains(tag)) node->order.push_back(tag);
      node = &node->children[tag];
    }
    node->feeds.push_back(&feed);
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n    <title>" +
                    escape_html(title) + "</title>\n  </head>\n  <body>\n";
  write_outlines(root, 2, out);
  out += "  </body>\n</opml>\n";
  return out;
}

}  // namespace fcd::feed
