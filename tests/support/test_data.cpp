#include "support/test_data.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace fcd::test {

std::string repository_data_path(std::string_view relative) {
  return std::string(FCD_SOURCE_DIR) + "/tests/data/" + std::string(relative);
}

std::string shared_data_path(std::string_view relative) {
  const std::filesystem::path path = std::filesystem::path(FCD_SOURCE_DIR) / ".." / "shared" / relative;
  return path.lexically_normal().string();
}

std::optional<std::string> missing_shared_data(std::initializer_list<std::string> paths) {
  for (const std::string& path : paths) {
    std::error_code error;
    if (std::filesystem::exists(path, error)) continue;
    std::string message = "missing " + path +
                          " (data the repository may not redistribute; it is in ../shared beside the checkout, "
                          "which CI has)";
    const char* required = std::getenv("FCD_REQUIRE_SHARED");
    if (required != nullptr && std::string_view(required) == "1")
      ADD_FAILURE() << message << ", and FCD_REQUIRE_SHARED=1";
    return message;
  }
  return std::nullopt;
}

}  // namespace fcd::test
