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

}  // namespace fcd::feed
