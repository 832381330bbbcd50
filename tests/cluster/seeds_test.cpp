// The project's founding example: two articles about one event (a planned
// US-Russia summit in Alaska) must land in one story, an unrelated one must not.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "corpus.hpp"
#include "support/test_data.hpp"

namespace fcd::cluster {
namespace {

using namespace std::chrono_literals;

// A seed file: the site's name, the headline, the standfirst, then the body.
Article read_article(const std::string& path, core::ArticleId id, core::TimePoint published) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::string site, title, standfirst, line;
  std::getline(in, site);
  std::getline(in, title);
  std::getline(in, standfirst);
  std::ostringstream body;
  while (std::getline(in, line))
    if (!line.empty()) body << line << "\n";
  Article a;
  a.id = id;
  a.source = site;
  a.title = title;
  a.text = standfirst + "\n" + body.str();
  a.published = published;
  return a;  // no language: the engine detects it
}

TEST(Seeds, TheTwoSeedArticlesShareAStoryAndAnUnrelatedOneDoesNot) {
  // Real news first, so that document frequencies are those of a running
  // engine rather than of an empty one.
  const std::string news = test::shared_data_path("corpus/news/rss_board_dev/items.jsonl");
  const std::string first_seed = test::shared_data_path("seeds/000_10a9e2651882f24b.txt");
  const std::string second_seed = test::shared_data_path("seeds/001_152bfa96a30bfdbf.txt");
  if (const auto missing = test::missing_shared_data({news, first_seed, second_seed})) GTEST_SKIP() << *missing;
  auto background = testing::load_set(news);
  testing::sort_by_time(background);
  Engine engine;
  for (const auto& item : background) engine.add(item.article);
  const core::TimePoint after = *background.back().article.published;

  const Decision first = engine.add(read_article(first_seed, 10001, after + 1h));
  const Decision second = engine.add(read_article(second_seed, 10002, after + 3h));
  const Decision unrelated =
      engine.add(read_article(std::string(FCD_SOURCE_DIR) + "/tests/cluster/data/unrelated.txt", 10003, after + 4h));

  EXPECT_EQ(second.placement, Decision::Placement::kJoined);
  EXPECT_EQ(second.story, first.story);
  EXPECT_NE(unrelated.story, first.story);
  EXPECT_EQ(engine.story_of(10001), engine.story_of(10002));
  EXPECT_NE(engine.story_of(10003), engine.story_of(10001));
  const auto& terms = second.matched_terms;
  EXPECT_TRUE(std::find(terms.begin(), terms.end(), "alaska") != terms.end() ||
              std::find(terms.begin(), terms.end(), "putin") != terms.end());
}

}  // namespace
}  // namespace fcd::cluster
