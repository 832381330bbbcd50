#pragma once
// The example queries of sql/README.md (its ```sql blocks), read by the test
// that runs each of them (tests/store/docs_test.cpp) and by the benchmark that
// times them at scale (bench/contract). Header-only: the benchmarks are built
// without the tests' libraries.
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fcd::test {

// The body of every ```sql block of the file at readme_path, in file order.
// Throws std::runtime_error when the file cannot be read.
inline std::vector<std::string> sql_readme_queries(const std::string& readme_path) {
  std::ifstream in{readme_path};
  if (!in) throw std::runtime_error{"cannot read " + readme_path};
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  static const std::regex kBlock{"```sql\n([^`]*)```"};
  std::vector<std::string> queries;
  for (std::sregex_iterator it{s.begin(), s.end(), kBlock}, end; it != end; ++it) queries.push_back((*it)[1]);
  return queries;
}

}  // namespace fcd::test
