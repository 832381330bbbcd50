#include "text/tfidf.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

namespace fcd::text {
namespace {

using namespace std::chrono_literals;

TEST(SparseVector, CanonicaliseNormaliseDot) {
  SparseVector v{{3, 1.0f}, {1, 2.0f}, {3, 1.0f}};
  canonicalise(v);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].term, 1u);
  EXPECT_FLOAT_EQ(v[1].weight, 2.0f);
  normalise(v);
  EXPECT_NEAR(dot(v, v), 1.0, 1e-6);
  SparseVector other{{1, 1.0f}};
  EXPECT_NEAR(dot(v, other), std::sqrt(0.5), 1e-6);
}

TEST(SparseVector, KeepTopIsDeterministic) {
  SparseVector v{{5, 0.5f}, {2, 0.9f}, {9, 0.5f}, {7, 0.1f}};
  keep_top(v, 2);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].term, 2u);  // heaviest
  EXPECT_EQ(v[1].term, 5u);  // tie at 0.5: the lower term id wins
}

TEST(DocumentFrequencies, RareTermsWeighMoreAndOldCountsDecay) {
  const core::TimePoint t0{std::chrono::sys_days{std::chrono::year{2026} / 8 / 7}};
  DocumentFrequencies df(24h);
  for (int i = 0; i < 10; ++i) {
    const TermId common = 1, rare = 2;
    if (i == 0)
      df.add(std::vector<TermId>{common, rare}, t0);
    else
      df.add(std::vector<TermId>{common}, t0);
  }
  EXPECT_NEAR(df.documents(t0), 10.0, 1e-6);
  EXPECT_GT(df.idf(2, t0), df.idf(1, t0));
  EXPECT_GT(df.idf(3, t0), df.idf(2, t0));  // never seen
  EXPECT_NEAR(df.documents(t0 + 24h), 5.0, 1e-6);
  EXPECT_NEAR(df.frequency(1, t0 + 48h), 2.5, 1e-5);
}

TEST(DocumentFrequencies, PrunesFadedTermsWhenRebasing) {
  const core::TimePoint t0{std::chrono::sys_days{std::chrono::year{2026} / 8 / 7}};
  DocumentFrequencies df(1h, 0.05);  // rebased once an hour
  df.add(std::vector<TermId>{1, 2, 3}, t0);
  EXPECT_EQ(df.terms(), 3u);
  df.add(std::vector<TermId>{4}, t0 + 10h);  // 2^-10 of a document left: pruned
  EXPECT_EQ(df.terms(), 1u);
}

}  // namespace
}  // namespace fcd::text
