#pragma once
// URL resolution (RFC 3986 section 5) and canonicalisation for article identity.
// Pure functions, safe from any thread.
#include <optional>
#include <string>
#include <string_view>

namespace fcd::feed {

// Resolves ref against base. Returns ref (trimmed) unchanged when it is already
// absolute or base is empty or not absolute.
std::string resolve_url(std::string_view base, std::string_view ref);

// True when text starts with a scheme ("http:", "urn:", ...).
bool is_absolute_url(std::string_view text);

// The canonical form used to recognise the same article under different URLs:
// scheme and host lower-cased, default port (80/443) dropped, fragment dropped,
// empty path of http(s) URLs becomes "/", tracking parameters (utm_*, fbclid,
// gclid, dclid, msclkid, mc_cid, mc_eid, yclid, igshid, _hsenc, _hsmi, mkt_tok)
// removed and the other parameters kept in their order. nullopt when text is
// not an absolute URL with an authority (http://host/...).
std::optional<std::string> canonicalize_url(std::string_view text);

// The policy every URL-valued field passes before it leaves the parser (article
// link, enclosure, image, feed link, discovered feed links). As the WHATWG URL
// parser does, C0 controls and spaces at either end are trimmed and tab, CR and
// LF inside are removed, so "java\tscript:" is judged as a browser reads it;
// then any other control character (C0, DEL, C1) and space is percent-encoded.
// The result is returned when it is an absolute http or https URL with a host,
// or a reference without a scheme (one no base could resolve: it names no
// scheme, so a browser resolves it against its own page); nullopt for every
// other scheme (javascript:, data:, file:, ...) and for "http:" without a host.
std::optional<std::string> safe_url(std::string_view url);

// safe_url in place: url becomes its safe form, or empty when refused. A URL
// that is already safe (nearly every one) is neither copied nor rewritten.
void make_url_safe(std::string& url);

}  // namespace fcd::feed
