#pragma once
// URL pieces the poll policy needs (the host that politeness and host-wide
// pauses are keyed by), parsed by libcurl's own URL parser so they agree with
// what the fetcher connects to.
#include <optional>
#include <string>
#include <string_view>

namespace fcd::fetch {

struct UrlParts {
  std::string scheme;  // lower case
  std::string host;    // lower case; empty for host-less URLs (file:///x); IPv6 literals in brackets
  std::string port;    // explicit, else the scheme's default ("80", "443"); empty when unknown
};

// nullopt when url does not parse. Any scheme is accepted, so a caller can
// refuse file:// or gopher:// by name.
std::optional<UrlParts> split_url(std::string_view url);

}  // namespace fcd::fetch
