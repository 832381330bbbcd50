#pragma once
// Where the tests find their data. Data the project may redistribute lives in
// the repository under tests/data (see tests/data/README.md) and is always
// there. Data it may not redistribute stays in ../shared beside the checkout:
// CI has it, a user's clone does not, so a test on it skips there, naming the
// missing path. FCD_REQUIRE_SHARED=1 (set by scripts/test where ../shared
// exists) makes such a skip a failure, so that run cannot pass on skips.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace fcd::test {

// FCD_SOURCE_DIR/tests/data/<relative>.
std::string repository_data_path(std::string_view relative);

// ../shared/<relative> beside the source tree; the file may not exist.
std::string shared_data_path(std::string_view relative);

// A skip message naming the first of paths that does not exist, or nullopt when
// all exist. Under FCD_REQUIRE_SHARED=1 it also records a test failure. Use as
//   if (const auto missing = test::missing_shared_data({path})) GTEST_SKIP() << *missing;
std::optional<std::string> missing_shared_data(std::initializer_list<std::string> paths);

}  // namespace fcd::test
