#pragma once
// Labelled news sets for the cluster tests (tests/data/uci_newsagg, and
// ../shared/corpus/news where present; see support/test_data.hpp), and the
// B-cubed and pairwise scores that bench/cluster-eval prints.
#include <cstdint>
#include <string>
#include <vector>

#include "cluster/engine.hpp"

namespace fcd::cluster::testing {

struct LabelledArticle {
  Article article;
  std::string story;  // gold label
};

// Reads a JSON-lines set; ids become 1, 2, ... in file order.
std::vector<LabelledArticle> load_set(const std::string& path);

// Moves every published time by a uniform offset in [-12 h, +12 h] drawn from
// a generator seeded with seed (independent of the story), then sorts by time.
void day_jitter(std::vector<LabelledArticle>& set, std::uint64_t seed);

// Sorts by published time, keeping file order among equal times.
void sort_by_time(std::vector<LabelledArticle>& set);

struct Scores {
  double bcubed_precision = 0, bcubed_recall = 0, bcubed_f1 = 0;
  double pairwise_precision = 0, pairwise_recall = 0, pairwise_f1 = 0;
};

// Feeds the set to a fresh engine in order, applies merges, and scores the
// final story of every article against the gold labels.
Scores cluster_and_score(const std::vector<LabelledArticle>& set, const EngineOptions& options = {});

}  // namespace fcd::cluster::testing
