#include "fetch/url.hpp"

#include "core/ascii.hpp"
#include "fetch/curl_handles.hpp"

namespace fcd::fetch {

namespace {

// One part of a parsed URL; "" when the URL has none.
std::string part(CURLU* url, CURLUPart which, unsigned int flags = 0) {
  char* text = nullptr;
  if (curl_url_get(url, which, &text, flags) != CURLUE_OK) return {};
  std::string value = core::to_lower(text);
  curl_free(text);
  return value;
}

}  // namespace

std::optional<UrlParts> split_url(std::string_view url) {
  detail::UrlHandle handle{curl_url()};
  const std::string text{url};
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
    return std::nullopt;
  UrlParts parts{part(handle.get(), CURLUPART_SCHEME), part(handle.get(), CURLUPART_HOST),
                 part(handle.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT)};
  if (parts.scheme.empty()) return std::nullopt;
  return parts;
}

}  // namespace fcd::fetch
