#pragma once
// URLs as text, parsed as RFC 3986 appendix B splits them: resolution against
// a base (section 5), the one canonical form that identifies an article, the
// one list of tracking parameters, the URL policy every parsed URL-valued field
// passes, and the words of a URL's slug. Pure functions with no I/O, safe from any
// thread. The fetcher reads a URL's host with libcurl instead (fetch/url.hpp),
// so that politeness is keyed by what it connects to.
#include <optional>
#include <string>
#include <string_view>

namespace fcd::url {

// True when text (trimmed) starts with a scheme ("http:", "urn:", ...).
bool is_absolute(std::string_view text);

// Resolves ref against base. Returns ref (trimmed) unchanged when it is already
// absolute or base is empty or not absolute.
std::string resolve(std::string_view base, std::string_view ref);

// True for a query parameter that only says where a reader came from: utm_*,
// ns_*, fbclid, gclid, gclsrc, dclid, msclkid, yclid, igshid, mc_cid, mc_eid,
// _hsenc, _hsmi, mkt_tok, ref, mod, cmpid, ocid, taid, smid, and the AMP
// markers amp and outputType. Case-insensitive.
bool is_tracking_parameter(std::string_view name);

// The canonical form of an article's URL, the one key for "the same article"
// (the parser's fallback guid, the store's canonical_url, the cluster engine's
// duplicate key): scheme and host lower-cased, a host's trailing dots and the
// default port (80/443) dropped, dot segments removed, the empty path of http(s)
// becomes "/", the fragment and tracking parameters dropped and the other
// parameters kept in their order; spaces and control characters percent-encoded.
// It stays an address the article is at, so "www." and "http:" are kept.
// Idempotent. nullopt when text is not an absolute URL with a host.
std::optional<std::string> canonicalize(std::string_view text);

// The policy every URL-valued field passes before it leaves the parser (article
// link, enclosure, image, feed link, discovered feed links, OPML xmlUrl). As the
// WHATWG URL parser does, C0 controls and spaces at either end are trimmed and
// tab, CR and LF inside are removed, so "java\tscript:" is judged as a browser
// reads it; then any other control character (C0, DEL, C1) and space is
// percent-encoded. The result is returned when it is an absolute http or https
// URL with a host, or a reference without a scheme (one no base could resolve:
// it names no scheme, so a browser resolves it against its own page); nullopt
// for every other scheme (javascript:, data:, file:, ...) and for "http:"
// without a host. Idempotent.
std::optional<std::string> safe(std::string_view text);

// safe in place: text becomes its safe form, or empty when refused. A URL that
// is already safe (nearly every one) is neither copied nor rewritten.
void make_safe(std::string& text);

// The words of a URL's slug ("/2014/03/11/keith-richards-to-write-a-childrens-
// book.html" -> "keith richards to write a childrens book"): its path segment
// with the most words joined by '-', '_' or '+', if it has at least three.
// Words with digits (ids, dates, hex) and file or page words ("html",
// "story", "article") are left out. "" when no segment reads as a slug.
std::string slug_words(std::string_view text);

}  // namespace fcd::url
