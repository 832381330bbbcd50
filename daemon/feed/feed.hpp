#pragma once
// The feed parser: bytes in, a ParsedFeed value out. No I/O, no logging, no
// global state visible to callers; every problem is reported inside the result.
//
// Thread safety: parse_feed may be called from any number of threads at once;
// each call owns its own parser context. The first call initialises libxml2
// (xmlInitParser) exactly once.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.hpp"

namespace fcd::feed {

enum class FeedFormat { kUnknown, kRss, kRdf, kAtom, kJson };

// "rss", "rdf", "atom", "json"; "unknown" for kUnknown.
std::string_view format_name(FeedFormat format);

// Caps that keep any input bounded in time and memory. Text beyond a cap is cut
// at a UTF-8 boundary and the owning entry (or the feed) is marked truncated.
struct ParseLimits {
  std::size_t max_document_bytes = 64u << 20;  // bytes past this are not parsed
  std::size_t max_entries = 50'000;            // entries past this are dropped
  std::size_t max_field_bytes = 256u << 10;    // per text field, before conversion to text
  std::size_t max_depth = 96;                  // element nesting; deeper content is ignored
  // Text produced by expanding the document's own entity declarations, every
  // reference counted (libxml2 checks only the first): past it the parse stops,
  // what was read is kept and the feed is flagged bozo and truncated.
  std::size_t max_entity_bytes = 4u << 20;
  // CPU time of one parse (the calling thread's), checked between 256 KiB pieces
  // and every 64 KiB of entity text; past it the parse stops the same way.
  std::chrono::milliseconds max_cpu_time{10'000};
  // JSON Feed: nesting of arrays and objects, and values in the whole document
  // (each string, number, array, object, ...); past either the document is
  // refused as invalid.
  std::size_t max_json_depth = 64;
  std::size_t max_json_values = 4'000'000;
};

struct ParseOptions {
  // Absolute URL the document was fetched from; relative links resolve against
  // it (after xml:base). Empty: links resolve against the feed's own link.
  std::string base_url;
  // The HTTP Content-Type header, e.g. "application/rss+xml; charset=utf-8".
  // Its charset wins over the XML declaration (RFC 7303); a BOM wins over both.
  std::string content_type;
  // The HTTP Content-Location header: relative references resolve against it
  // (itself resolved against base_url) before base_url.
  std::string content_location;
  // The HTTP Content-Language header: the feed's language when the document
  // names none.
  std::string content_language;
  // "Now", injected: dates later than now + future_tolerance are flagged and
  // not trusted. Without it no date is treated as future.
  std::optional<core::TimePoint> now;
  core::Duration future_tolerance = std::chrono::hours{24};
  ParseLimits limits;
};

// The text fields an element was given for, even an empty one (<description/>):
// an empty string with its bit set is an empty element, without it no element.
enum class Given : std::uint16_t {
  kTitle = 1 << 0, kLink = 1 << 1, kAuthor = 1 << 2, kSummary = 1 << 3, kContent = 1 << 4,
  kSubtitle = 1 << 5, kLanguage = 1 << 6,
};

struct GivenFields {
  std::uint16_t bits = 0;
  void set(Given field) { bits |= static_cast<std::uint16_t>(field); }
  bool has(Given field) const { return (bits & static_cast<std::uint16_t>(field)) != 0; }
};

struct Enclosure {
  std::string url;
  std::string type;                    // empty when not given
  std::optional<std::int64_t> length;  // bytes, when given and numeric
};

struct Entry {
  std::string id;  // never empty: guid/id, else canonical link, else a content hash
  std::string title;                // plain text
  std::string link;                 // absolute when it could be resolved
  std::optional<core::TimePoint> published;  // the only date given also lands here
  std::optional<core::TimePoint> updated;
  std::string author;               // plain text: "name (email)", name or email; RSS text as written
  std::string summary;              // plain text of description/summary
  std::string content;              // plain text of the full content
  std::string content_html;         // sanitised HTML of the full content
  std::vector<Enclosure> enclosures;
  std::vector<std::string> categories;
  std::string thumbnail;            // media:thumbnail URL, when given
  GivenFields given;                // which of title, link, author, summary, content had an element
  bool future_date = false;  // a date was later than now + tolerance and was dropped
  bool truncated = false;    // some field hit ParseLimits::max_field_bytes
};

struct ParsedFeed {
  FeedFormat format = FeedFormat::kUnknown;
  std::string version;              // "2.0", "0.91", "1.0", "0.3", "1.1" ...; empty if unknown
  bool bozo = false;                // the input was not well-formed or was mis-encoded
  std::string bozo_message;         // the first problem, when bozo
  std::string encoding;             // the charset the bytes were decoded from
  std::string title;                // plain text
  std::string link;
  std::string subtitle;             // plain text
  std::string language;
  std::optional<core::TimePoint> updated;
  std::optional<core::Duration> update_interval;  // from ttl or sy:updatePeriod/updateFrequency
  std::vector<Entry> entries;
  GivenFields given;                // which of title, link, subtitle, language had an element
  bool truncated = false;           // the document, the entry list or a feed field was cut
  // True when the bytes are a feed (RSS, RDF, Atom or JSON Feed root), even an
  // empty or broken one. False for HTML pages, images, random bytes.
  bool is_feed = false;
};

// Parses one document. Never throws for any input (std::bad_alloc aside);
// a non-feed yields is_feed == false with bozo set and no entries.
ParsedFeed parse_feed(std::string_view bytes, const ParseOptions& options = {});

// Receives each entry as soon as it is complete, in document order, and may move
// from it. Every rule of parse_feed has been applied to it (ids, dates, links
// resolved as far as the document allowed by then).
using EntrySink = std::function<void(Entry& entry)>;

// The same parse, with each entry handed to on_entry instead of being stored:
// the result's entries stay empty (entries past max_entries are dropped and
// the result marked truncated, as above). For a caller that looks at each entry
// once, memory stays at one entry instead of the whole list; on a 50 MB feed
// the list is another 50 MB, allocated string by string.
ParsedFeed parse_feed(std::string_view bytes, const ParseOptions& options, const EntrySink& on_entry);

}  // namespace fcd::feed
