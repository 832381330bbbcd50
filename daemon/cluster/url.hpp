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

}  // namespace fcd::cluster
