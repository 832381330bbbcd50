#pragma once
// The migrations compiled into the binary (internal to fcd_store).
#include <string_view>
#include <vector>

namespace fcd::store {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// In version order, contiguous from 1 (checked by the tests).
const std::vector<Migration>& embedded_migrations();

}  // namespace fcd::store
