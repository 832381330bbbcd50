// libFuzzer target: the date parser (core::parse_date). A parsed date must format and parse back.
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
  return 0;
}
