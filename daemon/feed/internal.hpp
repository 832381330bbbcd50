#pragma once
// Pieces shared by the XML and JSON Feed readers (private to fcd_feed).
#include <string>
#include <string_view>
#include <unordered_map>

#include "feed/feed.hpp"

namespace fcd::feed::detail {

// Every HTML 4 named entity (name -> UTF-8), built once.
const std::unordered_map<std::string, std::string>& html_entity_table();

// Rules every entry gets whatever its format, applied when the entry is complete:
// the only date becomes `published`, dates past now + tolerance are dropped and
// flagged, and the id falls back to the canonical link, then to a content hash.
void finish_entry(Entry& entry, std::string guid, const ParseOptions& options);

// Caps text at max_bytes on a UTF-8 boundary; true when it cut.
bool cap_text(std::string& text, std::size_t max_bytes);

// Entries go to on_entry, or into feed.entries when it is null.
void parse_json_feed(std::string_view text, const ParseOptions& options, ParsedFeed& feed, const EntrySink* on_entry);

}  // namespace fcd::feed::detail
