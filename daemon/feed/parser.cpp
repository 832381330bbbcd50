// The XML reader: libxml2's SAX2 push parser driving a small state machine, so a
// 50 MB feed is read in one pass without building a tree.
#include <libxml/SAX2.h>
#include <libxml/entities.h>
#include <libxml/parserInternals.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <unordered_map>
#include <xxhash.h>

#include "core/time.hpp"
#include "feed/encoding.hpp"
#include "feed/feed.hpp"
#include "feed/field_policy.hpp"
#include "feed/html.hpp"
#include "feed/internal.hpp"
#include "feed/libxml.hpp"
#include "feed/parse_budget.hpp"
#include "feed/text_util.hpp"
#include "url/url.hpp"

namespace fcd::feed {

namespace {

using detail::iequals;

enum class Ns : std::uint8_t {
  kNone, kAtom10, kAtom03, kRss10, kRss090, kRssAlias, kRdf, kDc, kDcTerms, kContent,
  kMedia, kSy, kXhtml, kItunes, kXml, kOther,
};

Ns classify_namespace(const xmlChar* uri) {
  if (uri == nullptr) return Ns::kNone;
  const std::string_view u = reinterpret_cast<const char*>(uri);
  if (u == "http://www.w3.org/2005/Atom") return Ns::kAtom10;
  if (u == "http://purl.org/atom/ns#") return Ns::kAtom03;
  if (u == "http://purl.org/rss/1.0/") return Ns::kRss10;
  if (u == "http://my.netscape.com/rdf/simple/0.9/") return Ns::kRss090;
  if (u == "http://backend.userland.com/rss2" || u == "http://blogs.law.harvard.edu/tech/rss" ||
      u == "http://backend.userland.com/rss")
    return Ns::kRssAlias;
  if (u == "http://www.w3.org/1999/02/22-rdf-syntax-ns#") return Ns::kRdf;
  if (u == "http://purl.org/dc/elements/1.1/") return Ns::kDc;
  if (u == "http://purl.org/dc/terms/") return Ns::kDcTerms;
  if (u == "http://purl.org/rss/1.0/modules/content/") return Ns::kContent;
  if (u == "http://search.yahoo.com/mrss/" || u == "http://search.yahoo.com/mrss") return Ns::kMedia;
  if (u == "http://purl.org/rss/1.0/modules/syndication/") return Ns::kSy;
  if (u == "http://www.w3.org/1999/xhtml") return Ns::kXhtml;
  if (u == "http://www.itunes.com/dtds/podcast-1.0.dtd") return Ns::kItunes;
  if (u == "http://www.w3.org/XML/1998/namespace") return Ns::kXml;
  return Ns::kOther;
}

// The element names the dispatchers act on (one enumerator may have several
// spellings). libxml2 hands every element name interned in the parser's
// dictionary, so FeedReader::name_of classifies each spelling once per document
// and then finds it by its address: a large feed has hundreds of thousands of
// elements but a few dozen distinct names, and comparing each against every
// name a dispatcher knows was a visible part of the parse.
enum class Name : std::uint8_t {
  kOther, kAuthor, kBody, kCategory, kChannel, kCloud, kContent, kContributor, kCreated, kCreator, kDate,
  kDescription, kDiv, kEmail, kEnclosure, kEncoded, kEntry, kFullitem, kGuid, kId, kIdentifier, kImage,
  kIssued, kItem, kLanguage, kLastBuildDate, kLink, kModified, kName, kPubDate, kPublished, kSkipDays,
  kSkipHours, kSource, kSubject, kSubtitle, kSummary, kTagline, kTextInput, kThumbnail, kTitle, kTtl,
  kUpdated, kUpdateFrequency, kUpdatePeriod,
};

constexpr std::array<std::pair<std::string_view, Name>, 45> kNames = {{
    {"author", Name::kAuthor}, {"body", Name::kBody}, {"category", Name::kCategory},
    {"channel", Name::kChannel}, {"cloud", Name::kCloud}, {"content", Name::kContent},
    {"contributor", Name::kContributor}, {"created", Name::kCreated}, {"creator", Name::kCreator},
    {"date", Name::kDate}, {"description", Name::kDescription}, {"div", Name::kDiv}, {"email", Name::kEmail},
    {"enclosure", Name::kEnclosure}, {"encoded", Name::kEncoded}, {"entry", Name::kEntry},
    {"fullitem", Name::kFullitem}, {"guid", Name::kGuid}, {"id", Name::kId},
    {"identifier", Name::kIdentifier}, {"image", Name::kImage}, {"issued", Name::kIssued},
    {"item", Name::kItem}, {"language", Name::kLanguage}, {"lastBuildDate", Name::kLastBuildDate},
    {"link", Name::kLink}, {"modified", Name::kModified}, {"name", Name::kName}, {"pubDate", Name::kPubDate},
    {"published", Name::kPublished}, {"skipDays", Name::kSkipDays}, {"skipHours", Name::kSkipHours},
    {"source", Name::kSource}, {"subject", Name::kSubject}, {"subtitle", Name::kSubtitle},
    {"summary", Name::kSummary}, {"tagline", Name::kTagline}, {"textinput", Name::kTextInput},
    {"textInput", Name::kTextInput}, {"thumbnail", Name::kThumbnail}, {"title", Name::kTitle},
    {"ttl", Name::kTtl}, {"updated", Name::kUpdated}, {"updateFrequency", Name::kUpdateFrequency},
    {"updatePeriod", Name::kUpdatePeriod},
}};

Name classify_name(std::string_view local) {
  for (const auto& [spelling, name] : kNames)
    if (spelling == local) return name;
  return Name::kOther;
}

enum class Field : std::uint8_t {
  kFeedTitle, kFeedLink, kFeedSubtitle, kFeedLanguage, kFeedUpdated, kFeedPubDate, kFeedTtl,
  kFeedSyPeriod, kFeedSyFrequency, kFeedAuthor,
  kTitle, kLink, kId, kPublished, kUpdated, kFallbackDate, kAuthor, kAuthorName, kAuthorEmail,
  kSummary, kContent, kCategory, kMediaDescription, kMediaTitle, kItunesAuthor,
};

enum class TextType : std::uint8_t { kPlain, kHtml, kXhtml, kBase64Plain, kBase64Html };

// Libxml2 hands attributes as five pointers each: local name, prefix, URI,
// value start, value end.
struct Attributes {
  int count;
  const xmlChar** data;

  // Without entity substitution libxml2 writes a literal '&' in attribute
  // values as "&#38;"; this undoes that.
  static std::string value(const xmlChar** a) {
    const std::string_view raw{reinterpret_cast<const char*>(a[3]), static_cast<std::size_t>(a[4] - a[3])};
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '&' && raw.substr(i, 5) == "&#38;") {
        out.push_back('&');
        i += 4;
      } else {
        out.push_back(raw[i]);
      }
    }
    return out;
  }
  std::string get(std::string_view name, Ns ns = Ns::kNone) const {
    for (int i = 0; i < count; ++i) {
      const xmlChar** a = data + 5 * i;
      if (name == reinterpret_cast<const char*>(a[0]) && classify_namespace(a[2]) == ns) return value(a);
    }
    return {};
  }
  bool has(std::string_view name) const {
    for (int i = 0; i < count; ++i)
      if (name == reinterpret_cast<const char*>(data[5 * i]) && data[5 * i + 2] == nullptr) return true;
    return false;
  }
};

bool is_void_element(std::string_view name) {
  return name == "br" || name == "img" || name == "hr" || name == "meta" || name == "link" ||
         name == "input" || name == "wbr" || name == "source" || name == "area" || name == "col" ||
         name == "embed" || name == "param" || name == "track";
}

void append_escaped(std::string& out, const char* text, std::size_t length) {
  for (std::size_t i = 0; i < length; ++i) {
    const char c = text[i];
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out.push_back(c);
  }
}

std::string base64_decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    else if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    else if (c >= '0' && c <= '9') value = c - '0' + 52;
    else if (c == '+' || c == '-') value = 62;
    else if (c == '/' || c == '_') value = 63;
    else continue;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return detail::is_valid_utf8(out) ? out : std::string{};
}

std::optional<std::int64_t> parse_length(std::string_view text) {
  text = detail::trim(text);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// An Atom person as one line: "name (email)", the name alone, or the e-mail alone.
std::string person_text(std::string name, std::string email) {
  if (name.empty()) return email;
  if (email.empty()) return name;
  return name + " (" + email + ")";
}

// Decodes one code point of valid UTF-8 at text[i], advancing i.
std::uint32_t next_code_point(std::string_view text, std::size_t& i) {
  const auto c = static_cast<unsigned char>(text[i]);
  std::size_t n = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
  std::uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1F) : n == 2 ? (c & 0x0F) : (c & 0x07);
  for (std::size_t k = 1; k <= n && i + k < text.size(); ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  i += n + 1;
  return cp;
}

// The windows-1252 byte of a code point (C1 controls stand for themselves), or -1.
int windows1252_byte(std::uint32_t cp) {
  if (cp <= 0xFF) return static_cast<int>(cp);
  for (std::size_t i = 0; i < detail::kWindows1252C1.size(); ++i)
    if (detail::kWindows1252C1[i] == cp) return static_cast<int>(0x80 + i);
  return -1;
}

// Two common corruptions of feed text, undone: UTF-8 that was read as
// windows-1252 and encoded again ("â€™" for "’"), and C1 control characters
// that stand for windows-1252 punctuation (&#146; for "’").
void repair_text(std::string& text) {
  const std::size_t i = detail::ascii_prefix_length(text);
  if (i == text.size()) return;
  // Mojibake starts with a UTF-8 lead byte read as a character (Ã, â, Å ...)
  // followed by a continuation byte read as one; anything else is real text.
  std::size_t probe = i;
  const int lead = windows1252_byte(next_code_point(text, probe));
  const int follow = probe < text.size() ? windows1252_byte(next_code_point(text, probe)) : -1;
  bool mojibake = lead >= 0xC2 && lead <= 0xF4 && follow >= 0x80 && follow <= 0xBF;
  bool c1 = false;
  if (!mojibake) {
    // A C1 control is U+0080-U+009F: 0xC2 followed by 0x80-0x9F.
    for (std::size_t k = text.find('\xC2', i); k != std::string::npos && !c1; k = text.find('\xC2', k + 1))
      c1 = k + 1 < text.size() && static_cast<unsigned char>(text[k + 1]) >= 0x80 &&
           static_cast<unsigned char>(text[k + 1]) < 0xA0;
    if (!c1) return;
  }
  std::string bytes;
  bytes.reserve(text.size());
  bytes.append(text, 0, i);
  for (std::size_t k = i; mojibake && k < text.size();) {
    const std::uint32_t cp = next_code_point(text, k);
    if (cp >= 0x80 && cp < 0xA0) c1 = true;
    const int b = windows1252_byte(cp);
    if (b < 0) {
      mojibake = false;
      break;
    }
    bytes.push_back(static_cast<char>(b));
  }
  if (mojibake && bytes != text && detail::is_valid_utf8(bytes)) {
    text = std::move(bytes);
    return;
  }
  if (!c1) return;
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t k = 0; k < text.size();) {
    const std::size_t start = k;
    const std::uint32_t cp = next_code_point(text, k);
    if (cp >= 0x80 && cp < 0xA0) detail::append_utf8(out, detail::kWindows1252C1[cp - 0x80]);
    else out.append(text, start, k - start);
  }
  text = std::move(out);
}

// Bytes of an XML name, as a table: is_reference reads every byte of the
// million references in a large feed of escaped HTML. Bytes of multi-byte
// characters count as name bytes.
enum NameByte : std::uint8_t { kNameStart = 1, kNameRest = 2 };
constexpr std::array<std::uint8_t, 256> kNameBytes = [] {
  std::array<std::uint8_t, 256> bytes{};
  for (std::size_t c = 0; c < bytes.size(); ++c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80)
      bytes[c] = kNameStart | kNameRest;
    else if ((c >= '0' && c <= '9') || c == '-' || c == '.')
      bytes[c] = kNameRest;
  }
  return bytes;
}();
bool is_name_start(char c) { return (kNameBytes[static_cast<unsigned char>(c)] & kNameStart) != 0; }
bool is_name_char(char c) { return (kNameBytes[static_cast<unsigned char>(c)] & kNameRest) != 0; }

// True when text[pos] == '&' starts a well-formed reference ("&name;", "&#10;", "&#x1F;").
bool is_reference(std::string_view text, std::size_t pos) {
  // Escaped HTML is nearly all "&lt;", "&gt;", "&quot;" and "&amp;": read a word at a time.
  if (text.size() - pos >= 4) {
    std::uint32_t head;
    std::memcpy(&head, text.data() + pos, sizeof head);
    const auto word = [](const char (&spelling)[5]) {
      std::uint32_t value;
      std::memcpy(&value, spelling, sizeof value);
      return value;
    };
    if (head == word("&lt;") || head == word("&gt;")) return true;
    if (head == word("&amp") && text.size() - pos >= 5 && text[pos + 4] == ';') return true;
    if (head == word("&quo") && text.substr(pos + 4, 2) == "t;") return true;
  }
  std::size_t i = pos + 1;
  if (i < text.size() && text[i] == '#') {
    ++i;
    const bool hex = i < text.size() && text[i] == 'x';
    if (hex) ++i;
    const std::size_t start = i;
    const auto is_digit = [hex](char c) {
      return (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
    };
    while (i < text.size() && is_digit(text[i])) ++i;
    return i > start && i < text.size() && text[i] == ';';
  }
  if (i >= text.size() || !is_name_start(text[i])) return false;
  while (i < text.size() && is_name_char(text[i]) && i - pos < 64) ++i;
  return i < text.size() && text[i] == ';';
}

// The end of a numeric character reference at text[pos] == '&' whose code point
// XML forbids ("&#1;", "&#xD800;", "&#0;"), or 0 for anything else.
std::size_t invalid_character_reference_end(std::string_view text, std::size_t pos) {
  std::size_t i = pos + 1;
  if (i >= text.size() || text[i] != '#') return 0;
  ++i;
  const bool hex = i < text.size() && text[i] == 'x';
  if (hex) ++i;
  const std::size_t start = i;
  std::uint32_t value = 0;
  for (; i < text.size() && i - start < 12; ++i) {
    const char c = text[i];
    std::uint32_t digit;
    if (c >= '0' && c <= '9') digit = static_cast<std::uint32_t>(c - '0');
    else if (hex && c >= 'a' && c <= 'f') digit = static_cast<std::uint32_t>(c - 'a' + 10);
    else if (hex && c >= 'A' && c <= 'F') digit = static_cast<std::uint32_t>(c - 'A' + 10);
    else break;
    value = std::min<std::uint32_t>(value * (hex ? 16 : 10) + digit, 0x110000);
  }
  if (i == start || i >= text.size() || text[i] != ';') return 0;
  const bool allowed = value == 0x9 || value == 0xA || value == 0xD || (value >= 0x20 && value <= 0xD7FF) ||
                       (value >= 0xE000 && value <= 0xFFFD) || (value >= 0x10000 && value <= 0x10FFFF);
  return allowed ? 0 : i + 1;
}

// Whether positions of a document fall inside a comment or CDATA section, where
// '&' is literal. Queried with increasing positions only, so the document is
// scanned once however many queries there are.
class LiteralSections {
 public:
  explicit LiteralSections(std::string_view text) : text_(text) {}

  bool contains(std::size_t pos) {
    while (scanned_ <= pos) {
      if (section_end_ != 0) {
        if (pos < section_end_) return true;
        scanned_ = section_end_;
        section_end_ = 0;
        continue;
      }
      const std::size_t lt = text_.find('<', scanned_);
      if (lt == std::string_view::npos || lt > pos) {
        scanned_ = pos + 1;
        return false;
      }
      std::string_view close;
      if (text_.substr(lt, 4) == "<!--") close = "-->";
      else if (text_.substr(lt, 9) == "<![CDATA[") close = "]]>";
      if (close.empty()) {
        scanned_ = lt + 1;
        continue;
      }
      const std::size_t end = text_.find(close, lt + 4);
      section_end_ = end == std::string_view::npos ? text_.size() : end + close.size();
      scanned_ = lt;
    }
    return false;
  }

 private:
  std::string_view text_;
  std::size_t scanned_ = 0;      // every position before this is classified
  std::size_t section_end_ = 0;  // end of the section that starts at scanned_, or 0
};

// Calls on_ampersand(position) for every '&' in text, in order. Sixty-four
// bytes are searched at a time, their hits gathered in one mask: escaped HTML
// puts a million '&' into a 50 MB feed, so a library search per '&' cost more
// than checking them (bench/parse/README.md, item 2 of "What the 20% came from").
template <class OnAmpersand>
void for_each_ampersand(std::string_view text, OnAmpersand on_ampersand) {
  std::size_t i = 0;
#ifdef __SSE2__
  const __m128i ampersand = _mm_set1_epi8('&');
  const auto hits_in = [&](std::size_t at) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at));
    return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, ampersand))));
  };
  for (; i + 64 <= text.size(); i += 64) {
    std::uint64_t hits = hits_in(i) | hits_in(i + 16) << 16 | hits_in(i + 32) << 32 | hits_in(i + 48) << 48;
    for (; hits != 0; hits &= hits - 1) on_ampersand(i + static_cast<std::size_t>(__builtin_ctzll(hits)));
  }
#endif
  for (; i < text.size(); ++i)
    if (text[i] == '&') on_ampersand(i);
}

// Feeds are full of bare '&' in URLs and titles ("?a=1&b=2", "Q&A"), which XML
// forbids and libxml2's recovery drops with the following name. Rewriting them
// to "&amp;" (outside comments and CDATA) keeps the text the author meant. A
// reference to a character XML forbids ("&#1;") is removed, as libxml2 would
// remove it, but without the error after which libxml2 drops the next
// reference too ("&#1;&amp;" lost its "&amp;"). The
// document is handed out in pieces, each searched right before libxml2 reads
// it: a piece without a stray '&' is passed as it is, one with is copied with
// the rewrites. Searching the whole document first took one more pass over
// 50 MB from memory, and a rewritten copy of all of it.
class StrayAmpersandEscaper {
 public:
  explicit StrayAmpersandEscaper(std::string_view text) : text_(text), literal_(text) {}

  bool done() const { return position_ == text_.size(); }
  // The next piece: at most max_size bytes of the document, rewritten if needed.
  std::string_view next(std::size_t max_size) {
    const std::size_t begin = position_;
    std::size_t end = begin + std::min(max_size, text_.size() - begin);
    std::size_t copied = begin;
    bool rewritten = false;
    const auto start_rewriting = [&] {
      if (!rewritten) {
        rewritten = true;
        piece_.clear();
      }
    };
    for_each_ampersand(text_.substr(begin, end - begin), [&](std::size_t hit) {
      hit += begin;
      if (hit < copied) return;  // inside a reference removed already
      if (is_reference(text_, hit)) {
        const std::size_t invalid_end = invalid_character_reference_end(text_, hit);
        if (invalid_end == 0 || literal_.contains(hit)) return;
        if (!first_invalid_reference_) first_invalid_reference_ = hit;
        start_rewriting();
        piece_.append(text_.substr(copied, hit - copied));
        copied = invalid_end;
        end = std::max(end, invalid_end);  // a reference cut by the piece's end goes whole
        return;
      }
      if (literal_.contains(hit)) return;
      if (!first_stray_) first_stray_ = hit;
      start_rewriting();
      piece_.append(text_.substr(copied, hit + 1 - copied));
      piece_.append("amp;");
      copied = hit + 1;
    });
    position_ = end;
    if (!rewritten) return text_.substr(begin, end - begin);
    piece_.append(text_.substr(copied, end - copied));
    return piece_;
  }
  // The offset of the first stray '&' handed out so far.
  std::optional<std::size_t> first_stray() const { return first_stray_; }
  // The offset of the first reference to a forbidden character removed so far.
  std::optional<std::size_t> first_invalid_reference() const { return first_invalid_reference_; }

 private:
  std::string_view text_;
  LiteralSections literal_;
  std::size_t position_ = 0;
  std::string piece_;
  std::optional<std::size_t> first_stray_;
  std::optional<std::size_t> first_invalid_reference_;
};

// HTML named entities as libxml2 entity declarations of the "predefined" kind:
// libxml2 then passes their text straight to the characters handler, in content
// and in attribute values alike, without any expansion machinery.
class HtmlEntities {
 public:
  static const HtmlEntities& instance() {
    static const HtmlEntities entities;
    return entities;
  }
  xmlEntity* find(const xmlChar* name) const {
    const auto found = entities_.find(reinterpret_cast<const char*>(name));
    return found == entities_.end() ? nullptr : const_cast<xmlEntity*>(&found->second.entity);
  }

 private:
  struct Holder {
    std::string value;
    xmlEntity entity{};
  };
  HtmlEntities() {
    for (const auto& [name, value] : detail::html_entity_table()) {
      auto [it, inserted] = entities_.try_emplace(name);
      Holder& holder = it->second;
      holder.value = value;
      holder.entity.type = XML_ENTITY_DECL;
      holder.entity.name = reinterpret_cast<const xmlChar*>(it->first.c_str());
      holder.entity.etype = XML_INTERNAL_PREDEFINED_ENTITY;
      holder.entity.content = reinterpret_cast<xmlChar*>(holder.value.data());
      holder.entity.length = static_cast<int>(holder.value.size());
    }
  }
  std::unordered_map<std::string, Holder> entities_;
};

// The text being collected for one field (namespace scope rather than nested in
// FeedReader: clang rejects optional<EntryState>::emplace() on a nested type with
// default member initialisers).
struct Capture {
  bool active = false;
  Field field{};
  TextType type = TextType::kPlain;
  std::size_t depth = 0;
  std::size_t base = 0;          // index into FeedReader::bases_
  std::size_t wrapper_depth = 0; // the xhtml <div> wrapper of an Atom xhtml construct
  bool markup = false;           // a child element was seen: buf holds escaped markup
  bool truncated = false;
  std::string buf;
};

struct EntryState {
  Entry entry;
  std::string guid;
  bool guid_is_permalink = true;
  std::optional<core::TimePoint> fallback_date;
  std::string author_name;   // of the Atom author being read
  std::string author_email;
  bool atom_author_read = false;  // the first Atom author is the entry's
  std::string media_description;
  std::string media_title;
  std::string itunes_author;
};

class FeedReader {
 public:
  // Entries go to on_entry, or into feed.entries when it is null.
  FeedReader(const ParseOptions& options, ParsedFeed& feed, const EntrySink* on_entry)
      : options_(options), feed_(feed), on_entry_(on_entry), budget_(options.limits) {
    bases_.push_back(options.base_url);
  }

  void run(std::string_view text);
  // True when libxml2 stopped before the end of a feed: a '<' that starts no
  // tag, or a stray end tag that closed the root early ("Extra content").
  bool stopped_early() const { return stopped_early_; }
  std::size_t entries_delivered() const { return entry_count_; }
  // The first `count` entries are not delivered (a second reading of a
  // document whose first reading already delivered them).
  void skip_entries(std::size_t count) { skip_entries_ = count; }
  // Where the first '&' that had to be escaped was, if any.
  std::optional<std::size_t> first_stray_ampersand() const { return first_stray_ampersand_; }
  // Where the first reference to a character XML forbids was, if any.
  std::optional<std::size_t> first_invalid_reference() const { return first_invalid_reference_; }

  // SAX2 callbacks (static trampolines below).
  void on_start(const xmlChar* local, const xmlChar* uri, int nb_attributes, const xmlChar** attributes);
  void on_end(const xmlChar* local);
  void end_element(const xmlChar* local);
  void on_characters(const xmlChar* text, int length);
  void on_error(const xmlError* error);
  xmlEntity* on_get_entity(xmlParserCtxt* context, const xmlChar* name);
  xmlEntity* on_get_parameter_entity(xmlParserCtxt* context, const xmlChar* name);

 private:
  // libxml2 skips every entity reference, &amp; and &lt; included, once it has
  // seen the document is not well-formed (xmlParseReference), so after one
  // broken tag or bad character reference all later escaped markup lost its
  // brackets. The problem was recorded (bozo) when reported; the flag is raised
  // again at the next event so later references are read.
  void keep_reading_references() { context_->wellFormed = 1; }
  void note_problem(std::string message) {
    if (!feed_.bozo) {
      feed_.bozo = true;
      feed_.bozo_message = std::move(message);
    }
  }
  // Counts the text a declared entity is about to expand to; false (and the
  // parse stopped, current is the context expanding it) once over budget.
  bool charge_entity(xmlParserCtxt* current, const xmlEntity& entity);
  void stop_over_budget(xmlParserCtxt* current);
  const std::string& base(std::size_t index) const {
    return bases_[index].empty() && url::is_absolute(feed_.link) ? feed_.link : bases_[index];
  }
  std::string resolve(std::size_t base_index, std::string_view url) const {
    const std::string& b = base(base_index);
    return b.empty() ? std::string(detail::trim(url)) : url::resolve(b, url);
  }
  // A trimmed absolute URL, what nearly every link is, resolves to itself: kept
  // without a copy.
  std::string resolve(std::size_t base_index, std::string&& url) const {
    if (detail::trim(url).size() == url.size() && url::is_absolute(url)) return std::move(url);
    return resolve(base_index, std::string_view(url));
  }
  // A relative id that is a path ("/2010/post", "p/1") resolves as feedparser
  // resolves it: against xml:base and the document's URL, not the feed's own
  // link. Kept as written: an absolute id (urn:, tag:, http:), a token with no
  // path in it ("b-2", "12345": an identifier, not a reference) and a guid
  // declared not to be a URL (isPermaLink="false").
  std::string resolve_id(std::size_t base_index, std::string id) const {
    const std::string& b = bases_[base_index];
    const std::string_view trimmed = detail::trim(id);
    if (b.empty() || !entry_->guid_is_permalink || trimmed.find('/') == std::string_view::npos ||
        url::is_absolute(trimmed))
      return id;
    return url::resolve(b, trimmed);
  }
  void detect_root(Ns ns, const xmlChar* uri, std::string_view local, const Attributes& attributes);
  Name name_of(const xmlChar* local);
  Ns namespace_of(const xmlChar* uri);
  Ns element_namespace(const xmlChar* uri);  // namespace_of, with the root's alias applied
  bool starts_entry(const xmlChar* uri, const xmlChar* local);
  void dispatch(Ns ns, Name name, const Attributes& attributes);
  void dispatch_rss(Name name, const Attributes& attributes);
  void dispatch_atom(Ns ns, Name name, const Attributes& attributes);
  void dispatch_extension(Ns ns, Name name, const Attributes& attributes);
  void begin_capture(Field field, TextType type);
  void begin_summary(TextType type);
  void finish_atom_author();
  void finish_capture();
  void assign(Field field, std::string plain, std::string html, bool truncated, std::size_t base_index);
  void begin_entry(const Attributes& attributes);
  void finish_entry();
  // Growing the entry list of a large feed step by step moves every entry and
  // touches fresh pages at each step; once a few hundred entries show how many
  // bytes an entry takes, the list is sized for the whole document at once.
  static constexpr std::size_t kEntriesBeforeEstimate = 256;
  void reserve_entries_for_document();
  static TextType atom_text_type(Ns ns, const Attributes& attributes);

  const ParseOptions& options_;
  ParsedFeed& feed_;
  const EntrySink* on_entry_;
  detail::ParseBudget budget_;
  std::size_t entry_count_ = 0;  // entries delivered, to the sink or into feed_.entries
  std::size_t skip_entries_ = 0;
  bool stopped_early_ = false;
  std::optional<std::size_t> first_stray_ampersand_;
  std::optional<std::size_t> first_invalid_reference_;
  xmlParserCtxt* context_ = nullptr;
  std::size_t document_size_ = 0;
  std::size_t depth_ = 0;          // open_.size()
  std::vector<const xmlChar*> open_;  // local names of the open elements, as the document nests them
  std::string mismatched_end_;      // the name in the end tag libxml2 just reported as mismatched
  std::size_t entry_depth_ = 0;   // depth of the open item/entry, 0 when none
  std::size_t ignore_depth_ = 0;  // depth of an element whose subtree is skipped
  std::size_t author_depth_ = 0;  // depth of an open Atom author
  std::vector<std::string> bases_;
  std::vector<std::uint8_t> base_pushed_;
  Capture capture_;
  std::optional<EntryState> entry_;
  std::string feed_author_;
  std::optional<core::TimePoint> feed_pub_date_;
  std::optional<core::Duration> ttl_;
  std::string sy_period_;
  long sy_frequency_ = 1;
  struct LiteralEntity {
    std::string name;
    std::string text;
    xmlEntity entity{};
  };
  std::unordered_map<std::string, std::unique_ptr<LiteralEntity>> unknown_entities_;
  std::string alias_uri_;      // the root's unrecognised namespace, read as alias_ns_
  Ns alias_ns_ = Ns::kNone;
  // Element names classified so far, by their address in libxml2's dictionary
  // (direct-mapped: a collision only costs a new classification).
  struct NameSlot {
    const xmlChar* spelling = nullptr;
    Name name = Name::kOther;
  };
  std::array<NameSlot, 64> names_{};
  // The last namespace URI classified, by address (also interned by libxml2):
  // elements of one namespace tend to come in runs.
  const xmlChar* last_uri_ = nullptr;
  Ns last_ns_ = Ns::kNone;
};

FeedReader* reader_of(void* context) {
  return static_cast<FeedReader*>(static_cast<xmlParserCtxt*>(context)->_private);
}

void sax_start(void* context, const xmlChar* local, const xmlChar*, const xmlChar* uri, int, const xmlChar**,
               int nb_attributes, int, const xmlChar** attributes) {
  reader_of(context)->on_start(local, uri, nb_attributes, attributes);
}
void sax_end(void* context, const xmlChar* local, const xmlChar*, const xmlChar*) {
  reader_of(context)->on_end(local);
}
void sax_characters(void* context, const xmlChar* text, int length) {
  reader_of(context)->on_characters(text, length);
}
void sax_error(void* context, xmlErrorPtr error) { reader_of(context)->on_error(error); }
xmlEntityPtr sax_get_entity(void* context, const xmlChar* name) {
  return reader_of(context)->on_get_entity(static_cast<xmlParserCtxt*>(context), name);
}
xmlEntityPtr sax_get_parameter_entity(void* context, const xmlChar* name) {
  return reader_of(context)->on_get_parameter_entity(static_cast<xmlParserCtxt*>(context), name);
}
// Present so libxml2 re-delivers a declared entity's text through the SAX
// handlers on every reference, not just the first.
void sax_reference(void*, const xmlChar*) {}

xmlSAXHandler make_handler() {
  xmlSAXHandler handler{};
  handler.initialized = XML_SAX2_MAGIC;
  handler.startDocument = xmlSAX2StartDocument;
  handler.internalSubset = xmlSAX2InternalSubset;
  handler.entityDecl = xmlSAX2EntityDecl;
  handler.getEntity = sax_get_entity;
  handler.getParameterEntity = sax_get_parameter_entity;
  handler.reference = sax_reference;
  handler.startElementNs = sax_start;
  handler.endElementNs = sax_end;
  handler.characters = sax_characters;
  handler.cdataBlock = sax_characters;
  handler.serror = sax_error;
  return handler;
}

void FeedReader::run(std::string_view text) {
  detail::ensure_libxml_initialised();
  static const xmlSAXHandler handler = make_handler();
  xmlSAXHandler sax = handler;
  StrayAmpersandEscaper escaper(text);
  const std::string_view head = escaper.next(4);
  detail::ParserContextPtr context{
      xmlCreatePushParserCtxt(&sax, nullptr, head.data(), static_cast<int>(head.size()), nullptr)};
  if (!context) {
    note_problem("cannot create an XML parser context");
    return;
  }
  xmlCtxtUseOptions(context.get(), detail::kParseOptions);
  context->_private = this;
  context_ = context.get();
  document_size_ = text.size();
  constexpr std::size_t kChunk = 256 << 10;
  while (!escaper.done() && context->instate != XML_PARSER_EOF && !context->disableSAX) {
    const std::string_view piece = escaper.next(kChunk);
    xmlParseChunk(context.get(), piece.data(), static_cast<int>(piece.size()), 0);
    if (!budget_.check_time()) stop_over_budget(context.get());
  }
  if (context->instate != XML_PARSER_EOF) xmlParseChunk(context.get(), nullptr, 0, 1);
  stopped_early_ = feed_.is_feed && context->disableSAX != 0;
  // A parse that stopped early still reports a stray '&' further on.
  while (!escaper.done() && !escaper.first_stray()) escaper.next(kChunk);
  first_stray_ampersand_ = escaper.first_stray();
  first_invalid_reference_ = escaper.first_invalid_reference();
  // A field and an item cut off by the end of a broken document keep what they had.
  if (capture_.active) finish_capture();
  if (entry_) {
    if (author_depth_ != 0) finish_atom_author();
    finish_entry();
  }
  context_ = nullptr;
  if (!feed_.updated) feed_.updated = feed_pub_date_;
  if (ttl_) {
    feed_.update_interval = ttl_;
  } else if (!sy_period_.empty()) {
    const long hours = sy_period_ == "hourly"  ? 1
                       : sy_period_ == "daily"   ? 24
                       : sy_period_ == "weekly"  ? 24 * 7
                       : sy_period_ == "monthly" ? 24 * 30
                       : sy_period_ == "yearly"  ? 24 * 365
                                                 : 0;
    if (hours > 0) feed_.update_interval = std::chrono::duration_cast<core::Duration>(std::chrono::hours{hours}) / sy_frequency_;
  }
}

void FeedReader::on_error(const xmlError* error) {
  if (error == nullptr || error->level < XML_ERR_ERROR) return;
  if (error->code == XML_ERR_TAG_NAME_MISMATCH && error->str2 != nullptr) mismatched_end_ = error->str2;
  std::string message = error->message != nullptr ? error->message : "XML error";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  note_problem("line " + std::to_string(error->line) + ": " + message);
}

void FeedReader::stop_over_budget(xmlParserCtxt* current) {
  // The first problem found is the one reported, but a stopped parse is always
  // flagged: what follows in the document was not read.
  if (!feed_.bozo) note_problem(budget_.reason() + ": parse stopped");
  feed_.bozo = true;
  feed_.truncated = true;
  xmlStopParser(current);
  if (context_ != nullptr && context_ != current) xmlStopParser(context_);
}

bool FeedReader::charge_entity(xmlParserCtxt* current, const xmlEntity& entity) {
  if (entity.etype == XML_INTERNAL_PREDEFINED_ENTITY) return true;
  if (budget_.charge_entity(static_cast<std::size_t>(std::max(entity.length, 0)))) return true;
  stop_over_budget(current);
  return false;
}

xmlEntity* FeedReader::on_get_parameter_entity(xmlParserCtxt* context, const xmlChar* name) {
  xmlEntity* declared = xmlSAX2GetParameterEntity(context, name);
  return declared != nullptr && !charge_entity(context, *declared) ? nullptr : declared;
}

xmlEntity* FeedReader::on_get_entity(xmlParserCtxt* context, const xmlChar* name) {
  if (xmlEntity* declared = xmlSAX2GetEntity(context, name))
    return charge_entity(context, *declared) ? declared : nullptr;
  const std::string text_name = reinterpret_cast<const char*>(name);
  note_problem("undefined entity &" + text_name + ";");
  if (xmlEntity* html = HtmlEntities::instance().find(name)) return html;
  // Unknown to XML and HTML alike: keep the reference as the text it was
  // rather than losing it (bounded, so a hostile document cannot grow this).
  constexpr std::size_t kMaxUnknownEntities = 256;
  auto found = unknown_entities_.find(text_name);
  if (found == unknown_entities_.end()) {
    if (unknown_entities_.size() >= kMaxUnknownEntities) return nullptr;
    auto literal = std::make_unique<LiteralEntity>();
    literal->name = text_name;
    literal->text = "&" + text_name + ";";
    literal->entity.type = XML_ENTITY_DECL;
    literal->entity.name = reinterpret_cast<const xmlChar*>(literal->name.c_str());
    literal->entity.etype = XML_INTERNAL_PREDEFINED_ENTITY;
    literal->entity.content = reinterpret_cast<xmlChar*>(literal->text.data());
    literal->entity.length = static_cast<int>(literal->text.size());
    found = unknown_entities_.emplace(text_name, std::move(literal)).first;
  }
  return &found->second->entity;
}

void FeedReader::on_start(const xmlChar* local_name, const xmlChar* uri, int nb_attributes,
                          const xmlChar** attribute_data) {
  if (context_->wellFormed == 0) keep_reading_references();
  open_.push_back(local_name);
  ++depth_;
  if (depth_ > options_.limits.max_depth) return;
  const Attributes attributes{nb_attributes, attribute_data};
  if ((entry_ || capture_.active || ignore_depth_ != 0) && depth_ > 1 && starts_entry(uri, local_name)) {
    // An item inside an item, a field or a skipped element: what it is inside
    // was left open by a broken document, and ends here.
    if (capture_.active) finish_capture();
    ignore_depth_ = 0;
    if (entry_) {
      if (author_depth_ != 0) finish_atom_author();
      author_depth_ = 0;
      finish_entry();
    }
  }
  if (capture_.active) {
    if (base_pushed_.size() <= depth_) base_pushed_.resize(depth_ + 1);
    base_pushed_[depth_] = 0;
    const std::string_view local = reinterpret_cast<const char*>(local_name);
    if (!capture_.markup) {
      std::string escaped;
      append_escaped(escaped, capture_.buf.data(), capture_.buf.size());
      capture_.buf = std::move(escaped);
      capture_.markup = true;
    }
    if (capture_.type == TextType::kXhtml && capture_.wrapper_depth == 0 && depth_ == capture_.depth + 1 &&
        local == "div" && detail::trim(capture_.buf).empty()) {
      capture_.wrapper_depth = depth_;
      return;
    }
    if (capture_.buf.size() > options_.limits.max_field_bytes) return;
    capture_.buf.push_back('<');
    capture_.buf += local;
    for (int i = 0; i < nb_attributes; ++i) {
      const xmlChar** a = attribute_data + 5 * i;
      capture_.buf.push_back(' ');
      capture_.buf += reinterpret_cast<const char*>(a[0]);
      capture_.buf += "=\"";
      const std::string value = Attributes::value(a);
      append_escaped(capture_.buf, value.data(), value.size());
      capture_.buf.push_back('"');
    }
    capture_.buf.push_back('>');
    return;
  }
  if (base_pushed_.size() <= depth_) base_pushed_.resize(depth_ + 1);
  base_pushed_[depth_] = 0;
  if (const std::string xml_base = attributes.get("base", Ns::kXml); !xml_base.empty()) {
    bases_.push_back(resolve(bases_.size() - 1, xml_base));
    base_pushed_[depth_] = 1;
  }
  if (depth_ == 1) {
    detect_root(namespace_of(uri), uri, reinterpret_cast<const char*>(local_name), attributes);
    return;
  }
  if (!feed_.is_feed || ignore_depth_ != 0) return;
  dispatch(element_namespace(uri), name_of(local_name), attributes);
}

Ns FeedReader::element_namespace(const xmlChar* uri) {
  const Ns ns = namespace_of(uri);
  if (alias_ns_ != Ns::kNone && (uri == nullptr ? alias_uri_.empty() && ns == Ns::kNone
                                                : ns == Ns::kOther && alias_uri_ == reinterpret_cast<const char*>(uri)))
    return alias_ns_;
  return ns;
}

bool FeedReader::starts_entry(const xmlChar* uri, const xmlChar* local) {
  const Name name = name_of(local);
  if (name != Name::kItem && name != Name::kEntry) return false;
  const Ns ns = element_namespace(uri);
  if (feed_.format == FeedFormat::kAtom) return name == Name::kEntry && (ns == Ns::kAtom10 || ns == Ns::kAtom03);
  return name == Name::kItem && (ns == Ns::kNone || ns == Ns::kRss10 || ns == Ns::kRss090 || ns == Ns::kRssAlias);
}

Name FeedReader::name_of(const xmlChar* local) {
  const auto address = reinterpret_cast<std::uintptr_t>(local);
  NameSlot& slot = names_[((address * 0x9E3779B97F4A7C15ULL) >> 32) % names_.size()];
  if (slot.spelling == local) return slot.name;
  const Name name = classify_name(reinterpret_cast<const char*>(local));
  // Only a dictionary string is sure to keep its address and text for the whole parse.
  if (xmlDictOwns(context_->dict, local) == 1) slot = {local, name};
  return name;
}

Ns FeedReader::namespace_of(const xmlChar* uri) {
  if (uri == nullptr) return Ns::kNone;
  if (uri == last_uri_) return last_ns_;
  const Ns ns = classify_namespace(uri);
  if (xmlDictOwns(context_->dict, uri) == 1) {
    last_uri_ = uri;
    last_ns_ = ns;
  }
  return ns;
}

// libxml2's recovery pops the element it has open at any end tag, whatever the
// tag names: after an unclosed <b> in a description, </description> closes the
// <b> and every later element sits one level too deep, so the fields after it
// and the next items were read as part of the description. The reader keeps its
// own stack and closes what the end tag names (reported with the mismatch just
// before), or nothing when no open element has that name (a stray </p>).
void FeedReader::on_end(const xmlChar* local_name) {
  if (context_->wellFormed == 0) keep_reading_references();
  std::size_t level = open_.size();
  if (!mismatched_end_.empty()) {
    while (level > 0 && mismatched_end_ != reinterpret_cast<const char*>(open_[level - 1])) --level;
    mismatched_end_.clear();
  } else if (level > 0 && open_[level - 1] != local_name) {
    while (level > 0 && std::strcmp(reinterpret_cast<const char*>(open_[level - 1]),
                                    reinterpret_cast<const char*>(local_name)) != 0)
      --level;
  }
  if (level == 0) return;
  while (open_.size() >= level) {
    end_element(open_.back());
    open_.pop_back();
  }
}

void FeedReader::end_element(const xmlChar* local_name) {
  if (depth_ > options_.limits.max_depth) {
    --depth_;
    return;
  }
  if (capture_.active) {
    if (depth_ == capture_.depth) {
      finish_capture();
    } else {
      const std::string_view local = reinterpret_cast<const char*>(local_name);
      if (depth_ != capture_.wrapper_depth && !is_void_element(local) &&
          capture_.buf.size() <= options_.limits.max_field_bytes) {
        capture_.buf += "</";
        capture_.buf += local;
        capture_.buf.push_back('>');
      }
      --depth_;
      return;
    }
  }
  if (entry_depth_ == depth_ && entry_) finish_entry();
  if (ignore_depth_ == depth_) ignore_depth_ = 0;
  if (author_depth_ == depth_) {
    author_depth_ = 0;
    if (entry_) finish_atom_author();
  }
  if (depth_ < base_pushed_.size() && base_pushed_[depth_] != 0) {
    bases_.pop_back();
    base_pushed_[depth_] = 0;
  }
  --depth_;
}

void FeedReader::on_characters(const xmlChar* text, int length) {
  if (context_->wellFormed == 0) keep_reading_references();
  if (!capture_.active || depth_ > options_.limits.max_depth) return;
  std::size_t n = static_cast<std::size_t>(length);
  const std::size_t room = options_.limits.max_field_bytes > capture_.buf.size()
                               ? options_.limits.max_field_bytes - capture_.buf.size()
                               : 0;
  if (n > room) {
    n = detail::utf8_cut({reinterpret_cast<const char*>(text), n}, room);
    capture_.truncated = true;
  }
  if (capture_.markup) append_escaped(capture_.buf, reinterpret_cast<const char*>(text), n);
  else capture_.buf.append(reinterpret_cast<const char*>(text), n);
}

void FeedReader::detect_root(Ns ns, const xmlChar* uri, std::string_view local, const Attributes& attributes) {
  if (local == "rss" && (ns == Ns::kNone || ns == Ns::kRssAlias || ns == Ns::kOther)) {
    feed_.format = FeedFormat::kRss;
    feed_.version = std::string(detail::trim(attributes.get("version")));
    if (ns == Ns::kOther) {
      // An unknown default namespace on <rss> (e.g. Userland's "rss2.1"): its
      // elements are RSS elements.
      alias_uri_ = reinterpret_cast<const char*>(uri);
      alias_ns_ = Ns::kRssAlias;
    }
  } else if (local == "RDF" && ns == Ns::kRdf) {
    feed_.format = FeedFormat::kRdf;
    feed_.version = "1.0";
  } else if (local == "feed" && (ns == Ns::kAtom10 || ns == Ns::kAtom03)) {
    feed_.format = FeedFormat::kAtom;
    feed_.version = ns == Ns::kAtom10 ? "1.0" : "0.3";
  } else if (local == "feed" && (ns == Ns::kNone || ns == Ns::kOther)) {
    // Pre-standard Atom ("necho", or no namespace at all): read as Atom 0.3.
    feed_.format = FeedFormat::kAtom;
    feed_.version = std::string(detail::trim(attributes.get("version")));
    if (uri != nullptr) alias_uri_ = reinterpret_cast<const char*>(uri);
    alias_ns_ = Ns::kAtom03;
  } else if (local == "channel" && ns == Ns::kNone) {
    feed_.format = FeedFormat::kRss;
  } else {
    note_problem("not a feed: the root element is <" + std::string(local) + ">");
    xmlStopParser(context_);
    return;
  }
  feed_.is_feed = true;
  if (std::string lang = fold_whitespace(attributes.get("lang", Ns::kXml)); !lang.empty()) {
    std::replace(lang.begin(), lang.end(), '_', '-');
    feed_.language = std::move(lang);
  }
}

void FeedReader::dispatch(Ns ns, Name name, const Attributes& attributes) {
  // Inside an entry only its own children count: an <id> inside some unknown
  // child element is not the entry's id.
  const bool nested = entry_ && depth_ != entry_depth_ + 1 && author_depth_ == 0;
  switch (ns) {
    case Ns::kNone:
    case Ns::kRss10:
    case Ns::kRss090:
    case Ns::kRssAlias:
      if (feed_.format == FeedFormat::kRdf && name == Name::kChannel && ns == Ns::kRss090) feed_.version = "0.90";
      if (!nested) dispatch_rss(name, attributes);
      return;
    case Ns::kAtom10:
    case Ns::kAtom03:
      if (!nested) dispatch_atom(ns, name, attributes);
      return;
    default:
      dispatch_extension(ns, name, attributes);
  }
}

void FeedReader::dispatch_rss(Name name, const Attributes& attributes) {
  if (feed_.format == FeedFormat::kAtom) return;
  if (name == Name::kItem) {
    if (!entry_) begin_entry(attributes);
    return;
  }
  if (name == Name::kImage || name == Name::kTextInput || name == Name::kSource ||
      name == Name::kCloud || name == Name::kSkipHours || name == Name::kSkipDays) {
    ignore_depth_ = depth_;
    return;
  }
  if (entry_) {
    if (name == Name::kTitle) begin_capture(Field::kTitle, TextType::kHtml);
    else if (name == Name::kLink) begin_capture(Field::kLink, TextType::kPlain);
    else if (name == Name::kDescription || name == Name::kSummary) begin_summary(TextType::kHtml);
    else if (name == Name::kFullitem) begin_capture(Field::kContent, TextType::kHtml);
    else if (name == Name::kPubDate) begin_capture(Field::kPublished, TextType::kPlain);
    else if (name == Name::kAuthor) begin_capture(Field::kAuthor, TextType::kPlain);
    else if (name == Name::kCategory) begin_capture(Field::kCategory, TextType::kPlain);
    else if (name == Name::kGuid) {
      entry_->guid_is_permalink = !iequals(detail::trim(attributes.get("isPermaLink")), "false");
      begin_capture(Field::kId, TextType::kPlain);
    } else if (name == Name::kEnclosure) {
      const std::string url = attributes.get("url");
      if (!detail::trim(url).empty())
        entry_->entry.enclosures.push_back({resolve(bases_.size() - 1, url), std::string(attributes.get("type")),
                                            parse_length(attributes.get("length"))});
    }
    return;
  }
  if (name == Name::kTitle) begin_capture(Field::kFeedTitle, TextType::kHtml);
  else if (name == Name::kLink) begin_capture(Field::kFeedLink, TextType::kPlain);
  else if (name == Name::kDescription) begin_capture(Field::kFeedSubtitle, TextType::kHtml);
  else if (name == Name::kLanguage) begin_capture(Field::kFeedLanguage, TextType::kPlain);
  else if (name == Name::kLastBuildDate) begin_capture(Field::kFeedUpdated, TextType::kPlain);
  else if (name == Name::kPubDate) begin_capture(Field::kFeedPubDate, TextType::kPlain);
  else if (name == Name::kTtl) begin_capture(Field::kFeedTtl, TextType::kPlain);
}

TextType FeedReader::atom_text_type(Ns ns, const Attributes& attributes) {
  const std::string type = detail::to_lower(detail::trim(attributes.get("type")));
  const std::string mode = detail::to_lower(detail::trim(attributes.get("mode")));
  const bool html = type == "html" || type == "text/html";
  const bool xhtml = type == "xhtml" || type == "application/xhtml+xml";
  if (mode == "base64") return html || xhtml ? TextType::kBase64Html : TextType::kBase64Plain;
  if (mode == "escaped") return html || xhtml ? TextType::kHtml : TextType::kPlain;
  if (ns == Ns::kAtom03 && mode == "xml" && html) return TextType::kXhtml;
  if (xhtml) return TextType::kXhtml;
  if (html) return TextType::kHtml;
  // RFC 4287 section 4.1.3.3: other non-XML, non-text media types are base64.
  if (ns == Ns::kAtom10 && !type.empty() && type != "text" && !type.starts_with("text/") &&
      !type.ends_with("+xml") && !type.ends_with("/xml"))
    return TextType::kBase64Plain;
  return TextType::kPlain;
}

void FeedReader::dispatch_atom(Ns ns, Name name, const Attributes& attributes) {
  if (name == Name::kEntry) {
    if (!entry_ && feed_.format == FeedFormat::kAtom) begin_entry(attributes);
    return;
  }
  if (name == Name::kSource || name == Name::kContributor) {
    ignore_depth_ = depth_;
    return;
  }
  if (name == Name::kAuthor) {
    author_depth_ = depth_;
    return;
  }
  if (author_depth_ != 0) {
    if (name == Name::kName) begin_capture(entry_ ? Field::kAuthorName : Field::kFeedAuthor, TextType::kPlain);
    else if (name == Name::kEmail && entry_) begin_capture(Field::kAuthorEmail, TextType::kPlain);
    return;
  }
  if (name == Name::kLink) {
    const std::string href = attributes.get("href");
    std::string rel = detail::to_lower(detail::trim(attributes.get("rel")));
    if (rel.empty()) rel = "alternate";
    if (detail::trim(href).empty()) {
      // A link without href but with the URL as text (seen in the wild).
      if (rel == "alternate" && entry_) begin_capture(Field::kLink, TextType::kPlain);
      return;
    }
    if (rel == "alternate") {
      std::string url = resolve(bases_.size() - 1, href);
      if (entry_) {
        if (entry_->entry.link.empty()) entry_->entry.link = std::move(url);
      } else if (feed_.format == FeedFormat::kAtom && feed_.link.empty()) {
        feed_.link = std::move(url);
      }
    } else if (rel == "enclosure" && entry_) {
      entry_->entry.enclosures.push_back({resolve(bases_.size() - 1, href), std::string(attributes.get("type")),
                                          parse_length(attributes.get("length"))});
    }
    return;
  }
  if (feed_.format != FeedFormat::kAtom) return;
  if (entry_) {
    if (name == Name::kTitle) begin_capture(Field::kTitle, atom_text_type(ns, attributes));
    else if (name == Name::kSummary) begin_summary(atom_text_type(ns, attributes));
    else if (name == Name::kContent && attributes.get("src").empty())
      begin_capture(Field::kContent, atom_text_type(ns, attributes));
    else if (name == Name::kId) begin_capture(Field::kId, TextType::kPlain);
    else if (name == Name::kUpdated || name == Name::kModified) begin_capture(Field::kUpdated, TextType::kPlain);
    else if (name == Name::kPublished) begin_capture(Field::kPublished, TextType::kPlain);
    else if (name == Name::kIssued) begin_capture(Field::kPublished, TextType::kPlain);
    else if (name == Name::kCreated) begin_capture(Field::kFallbackDate, TextType::kPlain);
    else if (name == Name::kCategory) {
      std::string term = fold_whitespace(attributes.get("term"));
      if (term.empty()) term = fold_whitespace(attributes.get("label"));
      if (!term.empty()) entry_->entry.categories.push_back(std::move(term));
    }
    return;
  }
  if (name == Name::kTitle) begin_capture(Field::kFeedTitle, atom_text_type(ns, attributes));
  else if (name == Name::kSubtitle || name == Name::kTagline) begin_capture(Field::kFeedSubtitle, atom_text_type(ns, attributes));
  else if (name == Name::kUpdated || name == Name::kModified) begin_capture(Field::kFeedUpdated, TextType::kPlain);
}

void FeedReader::dispatch_extension(Ns ns, Name name, const Attributes& attributes) {
  switch (ns) {
    case Ns::kDc:
      if (entry_) {
        if (name == Name::kTitle) begin_capture(Field::kTitle, TextType::kHtml);
        else if (name == Name::kCreator || name == Name::kAuthor) begin_capture(Field::kAuthor, TextType::kPlain);
        else if (name == Name::kDate) begin_capture(Field::kUpdated, TextType::kPlain);
        else if (name == Name::kSubject) begin_capture(Field::kCategory, TextType::kPlain);
        else if (name == Name::kDescription) begin_summary(TextType::kHtml);
        else if (name == Name::kIdentifier) begin_capture(Field::kId, TextType::kPlain);
      } else {
        if (name == Name::kTitle) begin_capture(Field::kFeedTitle, TextType::kHtml);
        else if (name == Name::kLanguage) begin_capture(Field::kFeedLanguage, TextType::kPlain);
        else if (name == Name::kDate) begin_capture(Field::kFeedUpdated, TextType::kPlain);
        else if (name == Name::kDescription) begin_capture(Field::kFeedSubtitle, TextType::kHtml);
      }
      return;
    case Ns::kDcTerms:
      if (name == Name::kModified) begin_capture(entry_ ? Field::kUpdated : Field::kFeedUpdated, TextType::kPlain);
      else if (entry_ && (name == Name::kIssued || name == Name::kCreated)) begin_capture(Field::kFallbackDate, TextType::kPlain);
      return;
    case Ns::kContent:
      if (entry_ && name == Name::kEncoded) begin_capture(Field::kContent, TextType::kHtml);
      return;
    case Ns::kMedia:
      if (!entry_) return;
      if (name == Name::kContent) {
        const std::string url = attributes.get("url");
        if (!detail::trim(url).empty())
          entry_->entry.enclosures.push_back({resolve(bases_.size() - 1, url), std::string(attributes.get("type")),
                                              parse_length(attributes.get("fileSize"))});
      } else if (name == Name::kThumbnail) {
        const std::string url = attributes.get("url");
        if (entry_->entry.thumbnail.empty() && !detail::trim(url).empty())
          entry_->entry.thumbnail = resolve(bases_.size() - 1, url);
      } else if (name == Name::kDescription) {
        begin_capture(Field::kMediaDescription,
                      iequals(attributes.get("type"), "html") ? TextType::kHtml : TextType::kPlain);
      } else if (name == Name::kTitle) {
        begin_capture(Field::kMediaTitle, TextType::kPlain);
      }
      return;
    case Ns::kSy:
      if (entry_) return;
      if (name == Name::kUpdatePeriod) begin_capture(Field::kFeedSyPeriod, TextType::kPlain);
      else if (name == Name::kUpdateFrequency) begin_capture(Field::kFeedSyFrequency, TextType::kPlain);
      return;
    case Ns::kXhtml:
      if (entry_ && (name == Name::kBody || name == Name::kDiv) && !entry_->entry.given.has(Given::kContent))
        begin_capture(Field::kContent, TextType::kXhtml);
      return;
    case Ns::kItunes:
      if (name == Name::kAuthor) begin_capture(entry_ ? Field::kItunesAuthor : Field::kFeedAuthor, TextType::kPlain);
      else if (entry_ && name == Name::kSummary) begin_capture(Field::kMediaDescription, TextType::kPlain);
      return;
    default:
      return;
  }
}

void FeedReader::begin_capture(Field field, TextType type) {
  capture_.active = true;
  capture_.field = field;
  capture_.type = type;
  capture_.depth = depth_;
  capture_.base = bases_.size() - 1;
  capture_.wrapper_depth = 0;
  capture_.markup = false;
  capture_.truncated = false;
  capture_.buf.clear();
}

// The first summary-like element of an entry is its summary; a second one is
// its content when it has none yet (a short <summary> beside the full
// <description>, in either order), else it replaces the summary.
void FeedReader::begin_summary(TextType type) {
  const GivenFields given = entry_->entry.given;
  begin_capture(given.has(Given::kSummary) && !given.has(Given::kContent) ? Field::kContent : Field::kSummary, type);
}

// An entry's first Atom author is its author, as "name (email)".
void FeedReader::finish_atom_author() {
  EntryState& state = *entry_;
  if (!state.atom_author_read && (!state.author_name.empty() || !state.author_email.empty())) {
    state.entry.author = person_text(std::move(state.author_name), std::move(state.author_email));
    state.entry.given.set(Given::kAuthor);
    state.atom_author_read = true;
  }
  state.author_name.clear();
  state.author_email.clear();
}

void FeedReader::finish_capture() {
  capture_.active = false;
  // Work on a view of the buffer so its capacity is reused by the next capture.
  std::string_view raw = capture_.buf;
  std::string decoded;
  TextType type = capture_.type;
  if (type == TextType::kBase64Plain || type == TextType::kBase64Html) {
    decoded = base64_decode(capture_.markup ? html_to_text(raw) : std::string(raw));
    raw = decoded;
    capture_.markup = false;
    type = type == TextType::kBase64Html ? TextType::kHtml : TextType::kPlain;
  }
  const bool wants_html = capture_.field == Field::kContent;
  std::string plain;
  std::string html;
  switch (type) {
    case TextType::kPlain:
      if (capture_.markup) {
        plain = html_to_text(raw);
        if (wants_html) html = raw;
      } else {
        plain = fold_whitespace(raw);
        if (wants_html) html = escape_html(raw);
      }
      break;
    case TextType::kHtml:
    case TextType::kXhtml:
    default:
      plain = html_to_text(raw);
      if (wants_html) html = raw;
      break;
  }
  capture_.buf.clear();
  repair_text(plain);
  if (wants_html) repair_text(html);
  assign(capture_.field, std::move(plain), std::move(html), capture_.truncated, capture_.base);
}

void FeedReader::assign(Field field, std::string plain, std::string html, bool truncated, std::size_t base_index) {
  if (truncated) {
    if (entry_) entry_->entry.truncated = true;
    else feed_.truncated = true;
  }
  const auto set_if_empty = [&plain](std::string& target) {
    if (target.empty()) target = std::move(plain);
  };
  // A single-valued element given twice: the later one wins (a date only when it parses).
  const auto set_text = [&plain](std::string& target, GivenFields& given, Given which) {
    target = std::move(plain);
    given.set(which);
  };
  const auto set_date = [&plain](std::optional<core::TimePoint>& target) {
    if (auto date = core::parse_date(plain)) target = date;
  };
  switch (field) {
    case Field::kFeedTitle: set_text(feed_.title, feed_.given, Given::kTitle); return;
    case Field::kFeedLink:
      feed_.given.set(Given::kLink);
      if (feed_.link.empty() && !plain.empty()) feed_.link = resolve(base_index, std::move(plain));
      return;
    case Field::kFeedSubtitle: set_text(feed_.subtitle, feed_.given, Given::kSubtitle); return;
    case Field::kFeedLanguage:
      std::replace(plain.begin(), plain.end(), '_', '-');  // "en_US" is a common misspelling of "en-US"
      set_text(feed_.language, feed_.given, Given::kLanguage);
      return;
    case Field::kFeedUpdated: set_date(feed_.updated); return;
    case Field::kFeedPubDate: set_date(feed_pub_date_); return;
    case Field::kFeedTtl:
      if (auto minutes = parse_length(plain); minutes && *minutes < (1 << 24))
        ttl_ = std::chrono::minutes{*minutes};
      return;
    case Field::kFeedSyPeriod: sy_period_ = detail::to_lower(plain); return;
    case Field::kFeedSyFrequency:
      if (auto n = parse_length(plain); n && *n > 0 && *n < 100000) sy_frequency_ = static_cast<long>(*n);
      return;
    case Field::kFeedAuthor: set_if_empty(feed_author_); return;
    default: break;
  }
  if (!entry_) return;
  Entry& entry = entry_->entry;
  switch (field) {
    case Field::kTitle: set_text(entry.title, entry.given, Given::kTitle); return;
    case Field::kLink:
      entry.given.set(Given::kLink);
      if (entry.link.empty() && !plain.empty()) entry.link = resolve(base_index, std::move(plain));
      return;
    case Field::kId:
      if (entry_->guid.empty()) entry_->guid = resolve_id(base_index, std::move(plain));
      return;
    case Field::kPublished: set_date(entry.published); return;
    case Field::kUpdated: set_date(entry.updated); return;
    case Field::kFallbackDate:
      if (!entry_->fallback_date) entry_->fallback_date = core::parse_date(plain);
      return;
    case Field::kAuthor: set_text(entry.author, entry.given, Given::kAuthor); return;
    case Field::kAuthorName: set_if_empty(entry_->author_name); return;
    case Field::kAuthorEmail: set_if_empty(entry_->author_email); return;
    case Field::kSummary: set_text(entry.summary, entry.given, Given::kSummary); return;
    case Field::kContent:
      // The first content element is the content, even an empty one.
      if (!entry.given.has(Given::kContent)) {
        entry.given.set(Given::kContent);
        entry.content_html = sanitize_html(html, base(base_index));
        entry.content = std::move(plain);
      }
      return;
    case Field::kCategory:
      if (!plain.empty()) entry.categories.push_back(std::move(plain));
      return;
    case Field::kMediaDescription: set_if_empty(entry_->media_description); return;
    case Field::kMediaTitle: set_if_empty(entry_->media_title); return;
    case Field::kItunesAuthor: set_if_empty(entry_->itunes_author); return;
    default: return;
  }
}

void FeedReader::begin_entry(const Attributes& attributes) {
  entry_.emplace();
  entry_depth_ = depth_;
  if (std::string about = fold_whitespace(attributes.get("about", Ns::kRdf)); !about.empty())
    entry_->guid = std::move(about);
}

void FeedReader::reserve_entries_for_document() {
  const long consumed = context_ != nullptr ? xmlByteConsumed(context_) : -1;
  if (consumed <= 0) return;
  std::size_t estimate = document_size_ * feed_.entries.size() / static_cast<std::size_t>(consumed);
  estimate += estimate / 8;  // entries vary in size; one more step of growth costs more than the slack
  feed_.entries.reserve(std::min(estimate, options_.limits.max_entries));
}

void FeedReader::finish_entry() {
  entry_depth_ = 0;
  if (entry_count_ >= options_.limits.max_entries) {
    feed_.truncated = true;
    entry_.reset();
    return;
  }
  EntryState& state = *entry_;
  Entry& entry = state.entry;
  if (!entry.published) entry.published = state.fallback_date;
  if (entry.title.empty()) entry.title = std::move(state.media_title);
  // An entry with content and no summary element has its content as summary
  // (feedparser copies it), else a media or iTunes description.
  if (!entry.given.has(Given::kSummary) && entry.given.has(Given::kContent)) {
    entry.summary = entry.content;
    entry.given.set(Given::kSummary);
  }
  if (entry.summary.empty()) entry.summary = std::move(state.media_description);
  if (entry.author.empty()) entry.author = !state.author_name.empty() ? std::move(state.author_name)
                                           : !state.author_email.empty() ? std::move(state.author_email)
                                           : !state.itunes_author.empty() ? std::move(state.itunes_author)
                                                                          : feed_author_;
  // A permalink guid, or an Atom id that is a web address, is the link of an
  // entry that has none (readers open it).
  if (entry.link.empty() && state.guid_is_permalink &&
      (feed_.format == FeedFormat::kRss || feed_.format == FeedFormat::kAtom) &&
      (state.guid.starts_with("http://") || state.guid.starts_with("https://")))
    entry.link = state.guid;
  // Links read before the feed's own link was known are resolved against it now.
  if (options_.base_url.empty() && url::is_absolute(feed_.link)) {
    if (!entry.link.empty() && !url::is_absolute(entry.link)) entry.link = url::resolve(feed_.link, entry.link);
    for (Enclosure& enclosure : entry.enclosures)
      if (!url::is_absolute(enclosure.url)) enclosure.url = url::resolve(feed_.link, enclosure.url);
  }
  detail::finish_entry(entry, std::move(state.guid), options_);
  ++entry_count_;
  if (entry_count_ <= skip_entries_) {
    entry_.reset();
    return;
  }
  if (on_entry_ != nullptr) {
    (*on_entry_)(entry);
  } else {
    if (feed_.entries.size() == kEntriesBeforeEstimate) reserve_entries_for_document();
    feed_.entries.push_back(std::move(entry));
  }
  entry_.reset();
}

// The document with what stops libxml2 for good mended: a '<' that starts no
// tag becomes "&lt;", an end tag that closes no open element is dropped, and
// elements left open inside one that ends are closed right before its end tag,
// so that libxml2 sees elements nested as the end tags say. Used only for the
// second reading of a document libxml2 gave up on.
std::string repair_markup(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 64);
  std::vector<std::string_view> open;
  std::size_t i = 0;
  const auto copy_through = [&](std::size_t from, std::string_view close) {
    const std::size_t end = text.find(close, from);
    const std::size_t stop = end == std::string_view::npos ? text.size() : end + close.size();
    out.append(text.substr(i, stop - i));
    i = stop;
  };
  while (i < text.size()) {
    const std::size_t lt = text.find('<', i);
    if (lt == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, lt - i));
    i = lt;
    const std::string_view rest = text.substr(lt);
    if (rest.starts_with("<!--")) {
      copy_through(lt + 4, "-->");
    } else if (rest.starts_with("<![CDATA[")) {
      copy_through(lt + 9, "]]>");
    } else if (rest.starts_with("<?")) {
      copy_through(lt + 2, "?>");
    } else if (rest.starts_with("<!")) {
      const std::size_t gt = text.find('>', lt);
      const std::size_t bracket = text.find('[', lt);
      copy_through(lt + 2, bracket != std::string_view::npos && (gt == std::string_view::npos || bracket < gt)
                               ? std::string_view("]>")
                               : std::string_view(">"));
    } else if (rest.size() > 2 && rest[1] == '/' && is_name_start(rest[2])) {
      std::size_t end = 2;
      while (end < rest.size() && is_name_char(rest[end])) ++end;
      const std::string_view name = rest.substr(2, end - 2);
      const std::size_t gt = text.find('>', lt);
      const std::size_t stop = gt == std::string_view::npos ? text.size() : gt + 1;
      auto match = std::find(open.rbegin(), open.rend(), name);
      if (match != open.rend()) {
        const std::size_t keep = open.size() - 1 - static_cast<std::size_t>(match - open.rbegin());
        while (open.size() > keep + 1) {
          out += "</";
          out += open.back();
          out += '>';
          open.pop_back();
        }
        open.pop_back();
        out.append(text.substr(lt, stop - lt));
      }
      i = stop;
    } else if (rest.size() > 1 && is_name_start(rest[1])) {
      std::size_t end = 1;
      while (end < rest.size() && is_name_char(rest[end])) ++end;
      const std::string_view name = rest.substr(1, end - 1);
      char quote = 0;
      std::size_t k = lt + end;
      for (; k < text.size(); ++k) {
        if (quote != 0) {
          if (text[k] == quote) quote = 0;
        } else if (text[k] == '"' || text[k] == '\'') {
          quote = text[k];
        } else if (text[k] == '>') {
          break;
        }
      }
      const std::size_t stop = k < text.size() ? k + 1 : text.size();
      if (k >= text.size() || text[k - 1] != '/') open.push_back(name);
      out.append(text.substr(lt, stop - lt));
      i = stop;
    } else {
      out += "&lt;";
      ++i;
    }
  }
  return out;
}

}  // namespace

namespace detail {

bool cap_text(std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return false;
  text.resize(utf8_cut(text, max_bytes));
  return true;
}

void finish_entry(Entry& entry, std::string guid, const ParseOptions& options) {
  apply_field_policy(entry, guid);
  if (!entry.published) entry.published = entry.updated;
  if (options.now) {
    const core::TimePoint limit = *options.now + options.future_tolerance;
    if (entry.published && *entry.published > limit) {
      entry.published.reset();
      entry.future_date = true;
    }
    if (entry.updated && *entry.updated > limit) {
      entry.updated.reset();
      entry.future_date = true;
    }
  }
  if (const std::string_view trimmed = trim(guid); !trimmed.empty()) {
    entry.id = trimmed.size() == guid.size() ? std::move(guid) : std::string(trimmed);
  } else if (!entry.link.empty()) {
    entry.id = url::canonicalize(entry.link).value_or(entry.link);
  } else {
    // Same title, date and text on the next poll give the same id.
    XXH64_state_t* state = XXH64_createState();
    XXH64_reset(state, 0);
    const std::string date = entry.published ? std::to_string(entry.published->time_since_epoch().count()) : "";
    for (std::string_view part : {std::string_view(entry.title), std::string_view(date),
                                  std::string_view(entry.summary), std::string_view(entry.content)}) {
      XXH64_update(state, part.data(), part.size());
      XXH64_update(state, "\x1f", 1);
    }
    const std::uint64_t hash = XXH64_digest(state);
    XXH64_freeState(state);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
    entry.id = std::string("urn:fcd:") + hex;
  }
}

}  // namespace detail

std::string_view format_name(FeedFormat format) {
  switch (format) {
    case FeedFormat::kRss: return "rss";
    case FeedFormat::kRdf: return "rdf";
    case FeedFormat::kAtom: return "atom";
    case FeedFormat::kJson: return "json";
    case FeedFormat::kUnknown: break;
  }
  return "unknown";
}

namespace {

// Content-Location, resolved against the URL the document was fetched from, is
// the base of its relative references (RFC 7231 section 3.1.4.2 as feedparser reads it).
std::string document_base(const ParseOptions& options) {
  const std::string_view location = detail::trim(options.content_location);
  if (location.empty()) return options.base_url;
  if (url::is_absolute(location)) return std::string(location);
  return url::is_absolute(options.base_url) ? url::resolve(options.base_url, location) : options.base_url;
}

ParsedFeed parse_document(std::string_view bytes, const ParseOptions& given_options, const EntrySink* on_entry) {
  ParseOptions located;
  if (!given_options.content_location.empty()) {
    located = given_options;
    located.base_url = document_base(given_options);
  }
  const ParseOptions& options = given_options.content_location.empty() ? given_options : located;
  ParsedFeed feed;
  if (bytes.size() > options.limits.max_document_bytes) {
    bytes = bytes.substr(0, options.limits.max_document_bytes);
    feed.truncated = true;
  }
  detail::DecodedText decoded = detail::decode_to_utf8(bytes, options.content_type);
  feed.encoding = decoded.encoding;
  std::string_view text = decoded.text;
  while (!text.empty() && detail::is_space(text.front())) text.remove_prefix(1);
  if (text.empty()) {
    feed.bozo = true;
    feed.bozo_message = "empty document";
    return feed;
  }
  if (text.front() == '{') {
    detail::parse_json_feed(text, options, feed, on_entry);
  } else if (text.front() == '<') {
    FeedReader reader(options, feed, on_entry);
    reader.run(text);
    if (reader.stopped_early()) {
      // Read again with the markup repaired; the problem found the first time
      // stays the reported one, and entries already delivered are not again.
      const std::string repaired = repair_markup(text);
      ParsedFeed second;
      FeedReader again(options, second, on_entry);
      again.skip_entries(on_entry != nullptr ? reader.entries_delivered() : 0);
      again.run(repaired);
      if (on_entry != nullptr || second.entries.size() >= feed.entries.size()) {
        second.bozo = true;
        second.bozo_message = std::move(feed.bozo_message);
        second.encoding = std::move(feed.encoding);
        second.truncated = second.truncated || feed.truncated;
        feed = std::move(second);
      }
    }
    if (const auto invalid = reader.first_invalid_reference(); invalid && feed.is_feed && !feed.bozo) {
      feed.bozo = true;
      feed.bozo_message = "reference to a character XML forbids at byte " + std::to_string(*invalid);
    }
    if (const auto stray = reader.first_stray_ampersand(); stray && feed.is_feed && !feed.bozo) {
      feed.bozo = true;
      feed.bozo_message = "unescaped '&' at byte " + std::to_string(*stray);
    }
  } else {
    feed.bozo = true;
    feed.bozo_message = "not a feed: the document is neither XML nor JSON";
    return feed;
  }
  if (feed.language.empty() && !feed.given.has(Given::kLanguage)) {
    std::string language = fold_whitespace(options.content_language);
    std::replace(language.begin(), language.end(), '_', '-');
    feed.language = std::move(language);
  }
  if (!decoded.problem.empty() && feed.is_feed) {
    // An encoding problem is real but secondary to a syntax error found later.
    if (!feed.bozo) feed.bozo_message = decoded.problem;
    feed.bozo = true;
  }
  if (!options.content_type.empty() && feed.is_feed) {
    const std::string type = detail::media_type(options.content_type);
    if (type.find("xml") == std::string::npos && type.find("json") == std::string::npos &&
        type.find("rss") == std::string::npos && type.find("atom") == std::string::npos) {
      if (!feed.bozo) feed.bozo_message = "served as " + type + ", not as a feed or XML type";
      feed.bozo = true;
    }
  }
  detail::apply_field_policy(feed);
  return feed;
}

}  // namespace

ParsedFeed parse_feed(std::string_view bytes, const ParseOptions& options) {
  return parse_document(bytes, options, nullptr);
}

ParsedFeed parse_feed(std::string_view bytes, const ParseOptions& options, const EntrySink& on_entry) {
  return parse_document(bytes, options, &on_entry);
}

}  // namespace fcd::feed
