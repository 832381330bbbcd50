#include "feed/html.hpp"

#include "feed/discovery.hpp"

#include <libxml/HTMLparser.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <unordered_map>
#include <vector>

#include "core/ascii.hpp"
#include "feed/internal.hpp"
#include "feed/text_util.hpp"
#include "url/url.hpp"

namespace fcd::feed {

using detail::append_utf8;
using detail::ascii_lower;
using detail::is_space;

// Built once from libxml2's HTML 4 table, enumerated by code point because
// libxml2 offers lookups only. Only the code points of the HTML 4.01 entity
// sets (HTMLlat1, HTMLsymbol, HTMLspecial) are looked up: each lookup scans
// libxml2's table, so trying every code point up to U+2666 slowed every
// `feedclusterd parse` (bench/parse/README.md, item 3 of "What the 20% came from").
const std::unordered_map<std::string, std::string>& detail::html_entity_table() {
  static const auto table = [] {
    constexpr std::array<std::pair<unsigned, unsigned>, 11> kEntityCodePoints = {{
        {34, 62}, {160, 255}, {338, 402}, {710, 732}, {913, 982}, {8194, 8364},
        {8465, 8501}, {8592, 8971}, {9001, 9002}, {9674, 9674}, {9824, 9830},
    }};
    std::unordered_map<std::string, std::string> map;
    for (const auto& [first, last] : kEntityCodePoints) {
      for (unsigned cp = first; cp <= last; ++cp) {
        const htmlEntityDesc* desc = htmlEntityValueLookup(cp);
        if (desc == nullptr) continue;
        std::string utf8;
        append_utf8(utf8, desc->value);
        map.emplace(desc->name, std::move(utf8));
      }
    }
    return map;
  }();
  return table;
}

namespace {


// Decodes the reference starting at text[pos] == '&' into out. Returns the
// number of bytes consumed, 0 when it is not a reference (the '&' is literal).
std::size_t decode_reference(std::string_view text, std::size_t pos, std::string& out) {
  std::size_t i = pos + 1;
  if (i < text.size() && text[i] == '#') {
    ++i;
    const bool hex = i < text.size() && (text[i] == 'x' || text[i] == 'X');
    if (hex) ++i;
    const std::size_t digits_start = i;
    std::uint32_t value = 0;
    while (i < text.size()) {
      const char c = text[i];
      int digit = -1;
      if (c >= '0' && c <= '9') digit = c - '0';
      else if (hex && c >= 'a' && c <= 'f') digit = c - 'a' + 10;
      else if (hex && c >= 'A' && c <= 'F') digit = c - 'A' + 10;
      if (digit < 0) break;
      if (value < 0x110000) value = value * (hex ? 16 : 10) + static_cast<std::uint32_t>(digit);
      ++i;
    }
    if (i == digits_start) return 0;
    if (i < text.size() && text[i] == ';') ++i;
    // As browsers do: &#146; is windows-1252's right quote in countless feeds.
    if (value >= 0x80 && value < 0xA0) value = detail::kWindows1252C1[value - 0x80];
    append_utf8(out, value);
    return i - pos;
  }
  const std::size_t name_start = i;
  while (i < text.size() && core::is_ascii_alnum(text[i]) && i - name_start < 32) ++i;
  if (i == name_start || i >= text.size() || text[i] != ';') return 0;
  const std::string* value = lookup_html_entity(text.substr(name_start, i - name_start));
  if (value == nullptr) return 0;
  out += *value;
  return i + 1 - pos;
}

// How html_to_text and fold_whitespace see a byte: ordinary text, ASCII
// whitespace (folded) or the start of markup ('<' and '&').
enum ByteClass : std::uint8_t { kText = 0, kSpace = 1, kMarkup = 2 };
constexpr std::array<ByteClass, 256> kByteClass = [] {
  std::array<ByteClass, 256> classes{};
  for (unsigned char c : {' ', '\t', '\n', '\r', '\f'}) classes[c] = kSpace;
  for (unsigned char c : {'<', '&'}) classes[c] = kMarkup;
  return classes;
}();
// Each byte as folded text: whitespace becomes ' ', the rest stays.
constexpr std::array<char, 256> kFolded = [] {
  std::array<char, 256> folded{};
  for (std::size_t c = 0; c < folded.size(); ++c)
    folded[c] = kByteClass[c] == kSpace ? ' ' : static_cast<char>(static_cast<unsigned char>(c));
  return folded;
}();

// Folds text into a buffer with room for the whole output: removing tags and
// decoding references never makes text longer, so the first size holds it
// (growing is only a safety net). Short texts, nearly all of a feed's, use a
// buffer on the stack and end as a string of exactly their size, so nothing is
// zero-filled and no slack is kept per entry. A space is written at once and
// dropped at the end if nothing follows, which keeps the per-byte loop free of
// branches on word boundaries, where a 50 MB feed would mispredict millions of
// times.
class TextSink {
 public:
  explicit TextSink(std::size_t expected_size) {
    if (expected_size > sizeof local_) {
      heap_.resize(expected_size);
      data_ = heap_.data();
      capacity_ = heap_.size();
    }
  }
  TextSink(const TextSink&) = delete;
  TextSink& operator=(const TextSink&) = delete;

  // Appends s from i on, up to the first '<' or '&' when stop_at_markup;
  // returns where it stopped.
  template <bool stop_at_markup>
  std::size_t put(std::string_view s, std::size_t i) {
    make_room(s.size() - i);
    const char* p = s.data() + i;
    const char* const end = s.data() + s.size();
    char* out = data_ + size_;
    unsigned after_space = after_space_ ? 1 : 0;
    bool at_markup = false;
    while (p < end && !at_markup) {
#ifdef __SSE2__
      // Sixteen bytes at a time while they are plain text with single spaces
      // (most of a description): copied as they are. At the first byte that
      // needs care (markup, a control character, a second space) the plain
      // bytes before it are kept from the same copy, so the byte loop below
      // starts right at that byte.
      while (end - p >= 16) {
        const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(chunk, _mm_set1_epi8(0x1F)), chunk);
        const __m128i markup =
            _mm_or_si128(_mm_cmpeq_epi8(chunk, _mm_set1_epi8('<')), _mm_cmpeq_epi8(chunk, _mm_set1_epi8('&')));
        const auto stops = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(control, markup)));
        const auto spaces = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, _mm_set1_epi8(' '))));
        const unsigned careful = stops | (spaces & (spaces << 1)) | (spaces & after_space);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), chunk);  // room was made for all of s
        if (careful == 0) {
          p += 16;
          out += 16;
          after_space = spaces >> 15;
          continue;
        }
        const auto plain = static_cast<unsigned>(__builtin_ctz(careful));
        if (plain > 0) after_space = (spaces >> (plain - 1)) & 1;
        p += plain;
        out += plain;
        break;
      }
#endif
      // Byte by byte through the sixteen the fast path refused, then back to it.
      const char* const stop = end - p > 16 ? p + 16 : end;
      for (; p < stop; ++p) {
        const auto byte = static_cast<unsigned char>(*p);
        const unsigned byte_class = kByteClass[byte];
        if (stop_at_markup && byte_class == kMarkup) {
          at_markup = true;
          break;
        }
        // Arithmetic rather than a condition, so the compiler keeps it branch-free:
        // a space after a space (or at the start) is written and then overwritten.
        const unsigned space = byte_class & kSpace;
        *out = kFolded[byte];
        out += 1 - (space & after_space);
        after_space = space;
      }
    }
    after_space_ = after_space != 0;
    size_ = static_cast<std::size_t>(out - data_);
    return static_cast<std::size_t>(p - s.data());
  }
  void put_literal(char c) {
    make_room(1);
    data_[size_++] = c;
    after_space_ = false;
  }
  // A word break, as a block element makes.
  void separate() {
    if (after_space_) return;
    make_room(1);
    data_[size_++] = ' ';
    after_space_ = true;
  }
  std::string take() {
    if (size_ > 0 && data_[size_ - 1] == ' ') --size_;
    if (data_ == local_) return std::string(local_, size_);
    heap_.resize(size_);
    return std::move(heap_);
  }

 private:
  void make_room(std::size_t n) {
    if (capacity_ - size_ >= n) return;
    const std::size_t capacity = std::max(capacity_ * 2, size_ + n);
    if (data_ == local_) heap_.assign(local_, size_);
    heap_.resize(capacity);
    data_ = heap_.data();
    capacity_ = capacity;
  }
  char local_[2048];
  std::string heap_;
  char* data_ = local_;
  std::size_t capacity_ = sizeof local_;
  std::size_t size_ = 0;
  bool after_space_ = true;  // nothing written yet, or a space last: whitespace is dropped
};

struct Attribute {
  std::string name;  // lower case
  std::string value; // references decoded
};

struct Tag {
  std::string name;  // lower case; "!" for comments and declarations
  bool end = false;
  bool self_closing = false;
  std::vector<Attribute> attributes;
  std::size_t next = 0;  // index just past the tag
};

bool starts_tag(std::string_view html, std::size_t pos) {
  if (pos + 1 >= html.size()) return false;
  const char c = html[pos + 1];
  if (core::is_ascii_alpha(c) || c == '!' || c == '?') return true;
  return c == '/' && pos + 2 < html.size() && core::is_ascii_alpha(html[pos + 2]);
}

// Parses the tag at html[pos] == '<' (starts_tag is true). An unterminated tag
// runs to the end of the input, as in browsers.
Tag parse_tag(std::string_view html, std::size_t pos, bool want_attributes) {
  Tag tag;
  std::size_t i = pos + 1;
  if (html[i] == '!' || html[i] == '?') {
    tag.name.assign(1, '!');  // not = "!": GCC 12 -Wrestrict false positive (PR 105329)
    if (html.substr(i, 3) == "!--") {
      const std::size_t close = html.find("-->", i + 3);
      tag.next = close == std::string_view::npos ? html.size() : close + 3;
    } else {
      const std::size_t close = html.find('>', i);
      tag.next = close == std::string_view::npos ? html.size() : close + 1;
    }
    return tag;
  }
  if (html[i] == '/') {
    tag.end = true;
    ++i;
  }
  while (i < html.size() && !is_space(html[i]) && html[i] != '>' && html[i] != '/') {
    tag.name.push_back(ascii_lower(html[i]));
    ++i;
  }
  while (i < html.size()) {
    while (i < html.size() && (is_space(html[i]) || html[i] == '/')) {
      if (html[i] == '/') tag.self_closing = true;
      ++i;
    }
    if (i >= html.size()) break;
    if (html[i] == '>') {
      tag.next = i + 1;
      return tag;
    }
    tag.self_closing = false;
    Attribute attribute;
    while (i < html.size() && !is_space(html[i]) && html[i] != '>' && html[i] != '=' &&
           !(html[i] == '/' && i + 1 < html.size() && html[i + 1] == '>')) {
      if (want_attributes) attribute.name.push_back(ascii_lower(html[i]));
      ++i;
    }
    while (i < html.size() && is_space(html[i])) ++i;
    if (i < html.size() && html[i] == '=') {
      ++i;
      while (i < html.size() && is_space(html[i])) ++i;
      std::string_view raw;
      if (i < html.size() && (html[i] == '"' || html[i] == '\'')) {
        const char quote = html[i];
        const std::size_t close = html.find(quote, i + 1);
        const std::size_t stop = close == std::string_view::npos ? html.size() : close;
        raw = html.substr(i + 1, stop - i - 1);
        i = close == std::string_view::npos ? html.size() : close + 1;
      } else {
        const std::size_t start = i;
        while (i < html.size() && !is_space(html[i]) && html[i] != '>') ++i;
        raw = html.substr(start, i - start);
      }
      if (want_attributes) attribute.value = decode_html_entities(raw);
    }
    if (want_attributes && !attribute.name.empty()) tag.attributes.push_back(std::move(attribute));
  }
  tag.next = html.size();
  return tag;
}

enum class ElementKind : std::uint8_t { kInline, kBlock, kRawText };

// Decided by length first, then by a few comparisons: html_to_text meets
// hundreds of thousands of tags in a large feed, and this is cheaper per tag
// than hashing the name.
ElementKind element_kind(std::string_view name) {
  const auto in = [name](std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  // Raw text: elements whose content is never text for a reader. Block:
  // elements that separate words when their tags are removed.
  switch (name.size()) {
    case 1: return name[0] == 'p' ? ElementKind::kBlock : ElementKind::kInline;
    case 2:
      return (name[0] == 'h' && name[1] >= '1' && name[1] <= '6') ||
                     in({"br", "dd", "dl", "dt", "hr", "li", "ol", "td", "th", "tr", "ul"})
                 ? ElementKind::kBlock
                 : ElementKind::kInline;
    case 3:
      return in({"div", "nav", "pre"}) ? ElementKind::kBlock : ElementKind::kInline;
    case 4:
      return name == "main" ? ElementKind::kBlock : ElementKind::kInline;
    case 5:
      if (name == "style") return ElementKind::kRawText;
      return in({"aside", "table", "tbody", "thead"}) ? ElementKind::kBlock : ElementKind::kInline;
    case 6:
      if (in({"script", "iframe", "object", "select"})) return ElementKind::kRawText;
      return in({"figure", "footer", "header"}) ? ElementKind::kBlock : ElementKind::kInline;
    case 7:
      if (name == "noembed") return ElementKind::kRawText;
      return in({"address", "article", "section"}) ? ElementKind::kBlock : ElementKind::kInline;
    case 8:
      return in({"template", "noscript", "noframes", "textarea"}) ? ElementKind::kRawText : ElementKind::kInline;
    case 10:
      return in({"blockquote", "figcaption"}) ? ElementKind::kBlock : ElementKind::kInline;
    default:
      return ElementKind::kInline;
  }
}

bool is_raw_text(std::string_view name) { return element_kind(name) == ElementKind::kRawText; }

// Skips past the end tag of a raw-text element that starts at from.
std::size_t skip_raw_text(std::string_view html, std::size_t from, std::string_view name) {
  std::size_t i = from;
  while (true) {
    const std::size_t lt = html.find("</", i);
    if (lt == std::string_view::npos) return html.size();
    if (detail::iequals(html.substr(lt + 2, name.size()), name)) {
      const std::size_t close = html.find('>', lt);
      return close == std::string_view::npos ? html.size() : close + 1;
    }
    i = lt + 2;
  }
}

struct AllowedElement {
  std::string_view name;
  bool is_void;
  std::array<std::string_view, 5> attributes;
};

constexpr std::array<AllowedElement, 46> kAllowed = {{
    {"a", false, {"href"}},
    {"abbr", false, {}},
    {"b", false, {}},
    {"bdi", false, {}},
    {"blockquote", false, {"cite"}},
    {"br", true, {}},
    {"caption", false, {}},
    {"cite", false, {}},
    {"code", false, {}},
    {"dd", false, {}},
    {"del", false, {"cite", "datetime"}},
    {"div", false, {}},
    {"dl", false, {}},
    {"dt", false, {}},
    {"em", false, {}},
    {"figcaption", false, {}},
    {"figure", false, {}},
    {"h1", false, {}},
    {"h2", false, {}},
    {"h3", false, {}},
    {"h4", false, {}},
    {"h5", false, {}},
    {"h6", false, {}},
    {"hr", true, {}},
    {"i", false, {}},
    {"img", true, {"src", "alt", "width", "height"}},
    {"ins", false, {"cite", "datetime"}},
    {"kbd", false, {}},
    {"li", false, {}},
    {"ol", false, {"start"}},
    {"p", false, {}},
    {"pre", false, {}},
    {"q", false, {"cite"}},
    {"s", false, {}},
    {"small", false, {}},
    {"span", false, {}},
    {"strong", false, {}},
    {"sub", false, {}},
    {"sup", false, {}},
    {"table", false, {}},
    {"tbody", false, {}},
    {"td", false, {"colspan", "rowspan"}},
    {"th", false, {"colspan", "rowspan"}},
    {"thead", false, {}},
    {"tr", false, {}},
    {"ul", false, {}},
}};

// Inline SVG and MathML keep their drawing and layout elements (SVG 1.1 shapes,
// text, gradients; MathML presentation markup), as feedparser keeps them. Left
// out: script, foreignObject, animation (animate, set: they can rewrite an href
// to a javascript: URL), use, image, filters, annotation-xml (it embeds HTML).
constexpr std::array<AllowedElement, 29> kSvgAllowed = {{
    {"circle", false, {}}, {"clipPath", false, {}}, {"defs", false, {}}, {"desc", false, {}},
    {"ellipse", false, {}}, {"g", false, {}}, {"line", false, {}}, {"linearGradient", false, {}},
    {"marker", false, {}}, {"mask", false, {}}, {"metadata", false, {}}, {"path", false, {}},
    {"pattern", false, {}}, {"polygon", false, {}}, {"polyline", false, {}}, {"radialGradient", false, {}},
    {"rect", false, {}}, {"stop", false, {}}, {"svg", false, {}}, {"switch", false, {}},
    {"symbol", false, {}}, {"text", false, {}}, {"textPath", false, {}}, {"title", false, {}},
    {"tspan", false, {}}, {"view", false, {}}, {"font-face", false, {}}, {"glyph", false, {}},
    {"hkern", false, {}},
}};
constexpr const AllowedElement* kSvgRoot = &kSvgAllowed[18];
static_assert(kSvgAllowed[18].name == "svg");
constexpr std::array<std::string_view, 62> kSvgAttributes = {
    "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "d", "points",
    "transform", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
    "stroke-linecap", "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit",
    "opacity", "font-family", "font-size", "font-weight", "font-style", "font-variant", "text-anchor",
    "text-decoration", "dx", "dy", "rotate", "offset", "stop-color", "stop-opacity", "gradientUnits",
    "gradientTransform", "fx", "fy", "preserveAspectRatio", "version", "id", "class", "color",
    "markerWidth", "markerHeight", "refX", "refY", "orient", "patternUnits", "patternTransform",
    "startOffset", "textLength", "lengthAdjust", "visibility",
};
constexpr std::array<AllowedElement, 37> kMathAllowed = {{
    {"math", false, {}}, {"maction", false, {}}, {"maligngroup", false, {}}, {"malignmark", false, {}},
    {"menclose", false, {}}, {"merror", false, {}}, {"mfenced", false, {}}, {"mfrac", false, {}},
    {"mglyph", false, {}}, {"mi", false, {}}, {"mlabeledtr", false, {}}, {"mmultiscripts", false, {}},
    {"mn", false, {}}, {"mo", false, {}}, {"mover", false, {}}, {"mpadded", false, {}},
    {"mphantom", false, {}}, {"mprescripts", false, {}}, {"mroot", false, {}}, {"mrow", false, {}},
    {"ms", false, {}}, {"mspace", false, {}}, {"msqrt", false, {}}, {"mstyle", false, {}},
    {"msub", false, {}}, {"msubsup", false, {}}, {"msup", false, {}}, {"mtable", false, {}},
    {"mtd", false, {}}, {"mtext", false, {}}, {"mtr", false, {}}, {"munder", false, {}},
    {"munderover", false, {}}, {"none", false, {}}, {"semantics", false, {}}, {"annotation", false, {}},
    {"mlongdiv", false, {}},
}};
constexpr const AllowedElement* kMathRoot = &kMathAllowed[0];
constexpr std::array<std::string_view, 52> kMathAttributes = {
    "display", "mathvariant", "mathsize", "mathcolor", "mathbackground", "fontstyle", "fontweight",
    "fontsize", "fontfamily", "color", "open", "close", "separators", "fence", "separator", "stretchy",
    "symmetric", "largeop", "movablelimits", "accent", "accentunder", "lspace", "rspace", "linethickness",
    "numalign", "denomalign", "bevelled", "columnalign", "rowalign", "columnspan", "rowspan",
    "columnlines", "rowlines", "frame", "framespacing", "width", "height", "depth", "scriptlevel",
    "displaystyle", "notation", "encoding", "align", "maxsize", "minsize", "form", "voffset",
    "subscriptshift", "superscriptshift", "actiontype", "selection", "equalrows",
};

// Where an element is: HTML, or inside an <svg> or a <math> element.
enum class Vocabulary : std::uint8_t { kHtml, kSvg, kMath };

template <std::size_t N>
const AllowedElement* find_in(const std::array<AllowedElement, N>& table, std::string_view lower_name) {
  for (const AllowedElement& element : table)
    if (detail::iequals(element.name, lower_name)) return &element;
  return nullptr;
}

const AllowedElement* find_allowed(std::string_view name, Vocabulary vocabulary) {
  switch (vocabulary) {
    case Vocabulary::kSvg: return find_in(kSvgAllowed, name);
    case Vocabulary::kMath: return find_in(kMathAllowed, name);
    case Vocabulary::kHtml: break;
  }
  if (name == "svg") return kSvgRoot;
  if (name == "math") return kMathRoot;
  return find_in(kAllowed, name);
}

Vocabulary vocabulary_of(const std::vector<const AllowedElement*>& open) {
  for (auto it = open.rbegin(); it != open.rend(); ++it) {
    if (*it >= kSvgAllowed.data() && *it < kSvgAllowed.data() + kSvgAllowed.size()) return Vocabulary::kSvg;
    if (*it >= kMathAllowed.data() && *it < kMathAllowed.data() + kMathAllowed.size()) return Vocabulary::kMath;
  }
  return Vocabulary::kHtml;
}

// The attribute's spelling when an SVG or MathML element may keep it; empty
// when not. Paint values may refer to a gradient in the document (url(#id)), never out of it.
std::string_view foreign_attribute(Vocabulary vocabulary, std::string_view lower_name, std::string_view value) {
  std::string_view spelling;
  if (vocabulary == Vocabulary::kSvg) {
    for (std::string_view name : kSvgAttributes)
      if (detail::iequals(name, lower_name)) spelling = name;
  } else {
    for (std::string_view name : kMathAttributes)
      if (name == lower_name) spelling = name;
  }
  if (!spelling.empty()) {
    const std::string lower_value = detail::to_lower(value);
    for (std::size_t at = lower_value.find("url("); at != std::string::npos; at = lower_value.find("url(", at + 4)) {
      std::size_t i = at + 4;
      while (i < lower_value.size() && (is_space(lower_value[i]) || lower_value[i] == '"' || lower_value[i] == '\'')) ++i;
      if (i >= lower_value.size() || lower_value[i] != '#') return {};
    }
    if (lower_value.find("javascript:") != std::string::npos || lower_value.find("expression(") != std::string::npos)
      return {};
  }
  return spelling;
}

// Closes the open elements down to and including the innermost `element`;
// nothing when it is not open (a stray end tag).
void close_through(const AllowedElement* element, std::vector<const AllowedElement*>& open, std::string& out) {
  const auto innermost = std::find(open.rbegin(), open.rend(), element);
  if (innermost == open.rend()) return;
  const std::size_t keep = open.size() - 1 - static_cast<std::size_t>(innermost - open.rbegin());
  while (open.size() > keep) {
    out += "</";
    out += open.back()->name;
    out += '>';
    open.pop_back();
  }
}

bool is_url_attribute(std::string_view name) { return name == "href" || name == "src" || name == "cite"; }

// A URL safe to put in href/src: control characters and whitespace removed
// (browsers ignore them inside schemes, which "java\tscript:" relies on),
// resolved, and only http, https and mailto (or a relative reference).
std::optional<std::string> safe_url(std::string_view raw, std::string_view base) {
  std::string cleaned;
  cleaned.reserve(raw.size());
  for (char c : raw)
    if (static_cast<unsigned char>(c) > 0x20 && c != 0x7F) cleaned.push_back(c);
  std::string resolved = base.empty() ? cleaned : url::resolve(base, cleaned);
  const std::size_t colon = resolved.find(':');
  const std::size_t delimiter = resolved.find_first_of("/?#");
  if (colon != std::string::npos && (delimiter == std::string::npos || colon < delimiter)) {
    const std::string scheme = detail::to_lower(std::string_view(resolved).substr(0, colon));
    if (scheme != "http" && scheme != "https" && scheme != "mailto") return std::nullopt;
  }
  return resolved;
}

}  // namespace

const std::string* lookup_html_entity(std::string_view name) {
  static const std::array<std::pair<std::string_view, std::string>, 5> kXml = {{
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}}};
  for (const auto& [xml_name, value] : kXml)
    if (xml_name == name) return &value;
  const auto& table = detail::html_entity_table();
  const auto found = table.find(std::string(name));
  return found == table.end() ? nullptr : &found->second;
}

std::string decode_html_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t amp = text.find('&', i);
    if (amp == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, amp - i));
    const std::size_t used = decode_reference(text, amp, out);
    if (used == 0) {
      out.push_back('&');
      i = amp + 1;
    } else {
      i = amp + used;
    }
  }
  return out;
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string fold_whitespace(std::string_view text) {
  TextSink sink(text.size());
  sink.put<false>(text, 0);
  return sink.take();
}

std::string html_to_text(std::string_view html) {
  TextSink sink(html.size());
  std::string decoded;
  std::size_t i = 0;
  while (i < html.size()) {
    i = sink.put<true>(html, i);
    if (i == html.size()) break;
    if (html[i] == '&') {
      decoded.clear();
      const std::size_t used = decode_reference(html, i, decoded);
      if (used == 0) {
        sink.put_literal('&');
        ++i;
      } else {
        sink.put<false>(decoded, 0);
        i += used;
      }
      continue;
    }
    if (!starts_tag(html, i)) {
      sink.put_literal('<');
      ++i;
      continue;
    }
    Tag tag = parse_tag(html, i, false);
    i = tag.next;
    const ElementKind kind = element_kind(tag.name);
    if (!tag.end && kind == ElementKind::kRawText && !tag.self_closing) {
      i = skip_raw_text(html, i, tag.name);
      sink.separate();
    } else if (kind == ElementKind::kBlock) {
      sink.separate();
    }
  }
  return sink.take();
}

std::string sanitize_html(std::string_view html, std::string_view base_url) {
  std::string out;
  out.reserve(html.size());
  std::vector<const AllowedElement*> open;
  std::size_t i = 0;
  while (i < html.size()) {
    const std::size_t lt = html.find('<', i);
    const std::size_t text_end = lt == std::string_view::npos ? html.size() : lt;
    if (text_end > i) out += escape_html(decode_html_entities(html.substr(i, text_end - i)));
    if (lt == std::string_view::npos) break;
    if (!starts_tag(html, lt)) {
      out += "&lt;";
      i = lt + 1;
      continue;
    }
    Tag tag = parse_tag(html, lt, true);
    i = tag.next;
    if (tag.name == "!") continue;
    if (!tag.end && is_raw_text(tag.name)) {
      if (!tag.self_closing) i = skip_raw_text(html, i, tag.name);
      continue;
    }
    const Vocabulary vocabulary = vocabulary_of(open);
    const AllowedElement* element = find_allowed(tag.name, vocabulary);
    if (element == nullptr) continue;
    if (tag.end) {
      close_through(element, open, out);
      continue;
    }
    if (vocabulary == Vocabulary::kHtml && (element->name == "a" || element->name == "p")) {
      // A link inside a link (or paragraph inside paragraph) is not nesting in
      // HTML: the open one ends first, as a browser's parser would end it.
      close_through(element, open, out);
    }
    out += '<';
    out += element->name;
    const bool foreign = element == kSvgRoot || element == kMathRoot || vocabulary != Vocabulary::kHtml;
    const Vocabulary attribute_vocabulary = element == kSvgRoot   ? Vocabulary::kSvg
                                            : element == kMathRoot ? Vocabulary::kMath
                                                                          : vocabulary;
    for (const Attribute& attribute : tag.attributes) {
      if (foreign) {
        const std::string_view spelling = foreign_attribute(attribute_vocabulary, attribute.name, attribute.value);
        if (spelling.empty()) continue;
        out += ' ';
        out += spelling;
        out += "=\"";
        out += escape_html(attribute.value);
        out += '"';
        continue;
      }
      bool allowed = attribute.name == "title" || attribute.name == "lang" || attribute.name == "dir";
      for (std::string_view name : element->attributes)
        if (!name.empty() && name == attribute.name) allowed = true;
      if (!allowed) continue;
      std::string value = attribute.value;
      if (is_url_attribute(attribute.name)) {
        auto url = safe_url(value, base_url);
        if (!url) continue;
        value = std::move(*url);
      }
      out += ' ';
      out += attribute.name;
      out += "=\"";
      out += escape_html(value);
      out += '"';
    }
    out += '>';
    if (element->is_void) continue;
    if (tag.self_closing) {
      out += "</";  // "<b/>": an empty element, closed at once so the output stays well-nested
      out += element->name;
      out += '>';
    } else {
      open.push_back(element);
    }
  }
  while (!open.empty()) {
    out += "</";
    out += open.back()->name;
    out += '>';
    open.pop_back();
  }
  return out;
}

std::vector<FeedLink> find_feed_links(std::string_view html, std::string_view base_url) {
  std::vector<FeedLink> links;
  std::size_t i = 0;
  while (true) {
    const std::size_t lt = html.find('<', i);
    if (lt == std::string_view::npos) break;
    if (!starts_tag(html, lt)) {
      i = lt + 1;
      continue;
    }
    Tag tag = parse_tag(html, lt, true);
    i = tag.next;
    if (tag.end) continue;
    if (is_raw_text(tag.name) && !tag.self_closing) {
      i = skip_raw_text(html, i, tag.name);
      continue;
    }
    if (tag.name != "link") continue;
    std::string rel;
    FeedLink link;
    for (const Attribute& attribute : tag.attributes) {
      if (attribute.name == "rel") {
        rel.assign(1, ' ');
        rel += detail::to_lower(attribute.value);
        rel.push_back(' ');
      }
      else if (attribute.name == "type") link.type = detail::to_lower(detail::trim(attribute.value));
      else if (attribute.name == "href") link.url = std::string(detail::trim(attribute.value));
      else if (attribute.name == "title") link.title = fold_whitespace(attribute.value);
    }
    for (char& c : rel)
      if (is_space(c)) c = ' ';
    const std::string media = link.type.substr(0, link.type.find(';'));
    if (rel.find(" alternate ") == std::string::npos || link.url.empty() ||
        (media != "application/rss+xml" && media != "application/atom+xml" && media != "application/feed+json"))
      continue;
    link.type = media;
    if (url::is_absolute(base_url)) link.url = url::resolve(base_url, link.url);
    std::optional<std::string> safe = url::safe(link.url);  // the URL policy of every parsed field
    if (!safe) continue;
    link.url = std::move(*safe);
    detail::remove_control_characters(link.title);
    bool seen = false;
    for (const FeedLink& other : links) seen = seen || other.url == link.url;
    if (!seen) links.push_back(std::move(link));
  }
  return links;
}

}  // namespace fcd::feed
