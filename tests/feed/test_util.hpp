#pragma once
// Helpers for the feed tests: fixture loading and date literals.
#include <fstream>
#include <sstream>
#include <string>

#include "core/time.hpp"

namespace fcd::feed::test {

inline std::string fixture(const std::string& name) {
  std::ifstream in(std::string(FCD_SOURCE_DIR) + "/tests/feed/data/" + name, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline core::TimePoint utc(const char* rfc3339) { return *core::parse_rfc3339(rfc3339); }

}  // namespace fcd::feed::test
