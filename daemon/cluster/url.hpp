#pragma once
// A minimal URL canonicalisation for duplicate detection: enough to make AMP,
// mobile and tracking variants of one page compare equal. The feed parser may
// already hand over a canonical URL; this is applied on top and is idempotent.
#include <string>
#include <string_view>

namespace fcd::cluster {

// Lower-cases scheme and host, drops "www.", "m.", "mobile." and "amp." host
// prefixes, the fragment, tracking query parameters (utm_*, fbclid, gclid,
// mc_cid, mc_eid, ref, mod, cmpid, ns_*, ocid, taid, smid), AMP path markers
// ("/amp", "/amp/", ".amp", "?amp", "outputType=amp") and a trailing slash.
// Returns "" for an empty or scheme-less input (nothing to compare).
std::string canonical_url(std::string_view url);

// The words of a URL's slug ("/2014/03/11/keith-richards-to-write-a-childrens-
// book.html" -> "keith richards to write a childrens book"): its path segment
// with the most words joined by '-', '_' or '+', if it has at least three.
// Words with digits (ids, dates, hex) and file or page words ("html",
// "story", "article") are left out. "" when no segment reads as a slug.
std::string url_slug_words(std::string_view url);

}  // namespace fcd::cluster
