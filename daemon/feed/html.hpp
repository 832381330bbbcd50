#pragma once
// HTML helpers for feed text: plain text extraction, allow-list sanitising and
// entity decoding. Pure functions, safe from any thread, total on any input
// (invalid UTF-8 in, valid UTF-8 out is not promised: callers pass UTF-8).
#include <string>
#include <string_view>

namespace fcd::feed {

// Plain text of an HTML fragment: tags removed (script/style with their
// content), character references decoded (HTML named entities included),
// runs of ASCII whitespace folded to one space, ends trimmed.
std::string html_to_text(std::string_view html);

// Folds runs of ASCII whitespace to one space and trims; for text that is
// already plain (no markup, no references).
std::string fold_whitespace(std::string_view text);

// A display-safe copy of an HTML fragment: only allow-listed elements and
// attributes survive; script, style and similar elements are dropped with their
// content; URLs are resolved against base_url (when not empty) and anything but
// http, https and mailto is removed; the output is well-nested.
std::string sanitize_html(std::string_view html, std::string_view base_url = {});

// Decodes character references (&amp; &#233; &#xE9; &eacute; ...) in text;
// unknown or malformed references are kept as written.
std::string decode_html_entities(std::string_view text);

// Escapes &, <, > and " for use in HTML text or attribute values.
std::string escape_html(std::string_view text);

// The UTF-8 text of an HTML named entity without "&" and ";" (e.g. "mdash"),
// or nullptr when the name is not an HTML 4 entity nor one of XML's five.
const std::string* lookup_html_entity(std::string_view name);

}  // namespace fcd::feed
