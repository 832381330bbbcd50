// libFuzzer target: URL resolution and canonicalisation. Canonicalising a
// canonical URL must not change it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "url/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t split = text.find('\n');
  const std::string_view base = split == std::string_view::npos ? std::string_view{} : text.substr(0, split);
  const std::string_view ref = split == std::string_view::npos ? text : text.substr(split + 1);
  const std::string resolved = fcd::url::resolve(base, ref);
  if (const auto canonical = fcd::url::canonicalize(resolved)) {
    const auto twice = fcd::url::canonicalize(*canonical);
    if (!twice || *twice != *canonical) __builtin_trap();
  }
  // The URL policy is idempotent and never lets a control character or a
  // non-http(s) scheme through.
  if (const auto safe = fcd::url::safe(ref)) {
    if (fcd::url::safe(*safe) != *safe) __builtin_trap();
    for (const char c : *safe)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) __builtin_trap();
  }
  return 0;
}
