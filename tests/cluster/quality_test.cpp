// Quality floors on the development sets, with the default options: a change
// that makes clustering worse fails here. The floors sit a little under what
// the engine reached when they were set (see bench/cluster-eval for the full
// figures); raise them when the engine improves.
#include <gtest/gtest.h>

#include "corpus.hpp"
#include "support/test_data.hpp"

namespace fcd::cluster {
namespace {

constexpr std::uint64_t kJitterSeed = 1;

void print(const char* name, const testing::Scores& s) {
  std::printf("%s: B-cubed P %.3f R %.3f F1 %.3f | pairwise P %.3f R %.3f F1 %.3f\n", name, s.bcubed_precision,
              s.bcubed_recall, s.bcubed_f1, s.pairwise_precision, s.pairwise_recall, s.pairwise_f1);
}

TEST(Quality, RssBoardInPublishedOrder) {
  const std::string path = test::shared_data_path("corpus/news/rss_board_dev/items.jsonl");
  if (const auto missing = test::missing_shared_data({path})) GTEST_SKIP() << *missing;
  auto set = testing::load_set(path);
  testing::sort_by_time(set);
  const auto s = testing::cluster_and_score(set);
  print("rss_board_dev", s);
  EXPECT_GE(s.bcubed_f1, 0.865);  // reached 0.881
  EXPECT_GE(s.pairwise_f1, 0.55);  // reached 0.592
}

// Three days: stories that develop over days, and daily market reports that
// must not chain into one story per instrument.
TEST(Quality, ThreeDaysOfRssInPublishedOrder) {
  const std::string path = test::shared_data_path("corpus/news/rss_board_dev_3d/items.jsonl");
  if (const auto missing = test::missing_shared_data({path})) GTEST_SKIP() << *missing;
  auto set = testing::load_set(path);
  testing::sort_by_time(set);
  const auto s = testing::cluster_and_score(set);
  print("rss_board_dev_3d", s);
  EXPECT_GE(s.bcubed_f1, 0.85);   // reached 0.860 (0.824 before instrument stories were one day each)
  EXPECT_GE(s.pairwise_f1, 0.50);  // reached 0.528
}

TEST(Quality, DenseHeadlinesDayJittered) {
  auto set = testing::load_set(test::repository_data_path("uci_newsagg/dev.jsonl"));
  testing::day_jitter(set, kJitterSeed);
  const auto s = testing::cluster_and_score(set);
  print("uci_newsagg_dev", s);
  // One draw of the jitter: bench/cluster-eval's seeds 1-8 span 0.819-0.858.
  EXPECT_GE(s.bcubed_f1, 0.83);  // reached 0.865
}

TEST(Quality, SparseHeadlinesDayJittered) {
  auto set = testing::load_set(test::repository_data_path("uci_newsagg/sample.jsonl"));
  testing::day_jitter(set, kJitterSeed);
  const auto s = testing::cluster_and_score(set);
  print("uci_newsagg_sample", s);
  EXPECT_GE(s.bcubed_f1, 0.87);  // reached 0.883
}

}  // namespace
}  // namespace fcd::cluster
