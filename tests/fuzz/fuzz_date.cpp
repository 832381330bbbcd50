// libFuzzer target: the date reader behind core::parse_date, parse_http_date and
// parse_rfc3339. A date any of them reads must format as RFC 3339 and read back.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/time.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto parsed = fcd::core::parse_date(text)) {
    const auto again = fcd::core::parse_date(fcd::core::format_rfc3339(*parsed));
    if (!again || *again != *parsed) __builtin_trap();
  }
  for (const auto parsed : {fcd::core::parse_http_date(text), fcd::core::parse_rfc3339(text)}) {
    if (!parsed) continue;
    const auto again = fcd::core::parse_rfc3339(fcd::core::format_rfc3339(*parsed));
    if (!again || *again != *parsed) __builtin_trap();
  }
  return 0;
}
