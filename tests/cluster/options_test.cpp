#include "cluster/options.hpp"

#include <gtest/gtest.h>

namespace fcd::cluster {
namespace {

using namespace std::chrono_literals;

TEST(Options, SetByName) {
  EngineOptions o;
  EXPECT_FALSE(set_option(o, "window", "48h"));
  EXPECT_EQ(o.window, 48h);
  EXPECT_FALSE(set_option(o, "join_threshold_pair", "0.6"));
  EXPECT_DOUBLE_EQ(o.join_threshold_pair, 0.6);
  EXPECT_FALSE(set_option(o, "analyzer.title_weight", "3"));
  EXPECT_FLOAT_EQ(o.analyzer.title_weight, 3.0f);
  EXPECT_FALSE(set_option(o, "analyzer.body_phrases", "false"));
  EXPECT_FALSE(o.analyzer.body_phrases);
  EXPECT_FALSE(set_option(o, "market_instruments", "false"));
  EXPECT_FALSE(o.market_instruments);
  EXPECT_FALSE(set_option(o, "headline_frequencies_by_story", "false"));
  EXPECT_FALSE(o.headline_frequencies_by_story);
  EXPECT_FALSE(set_option(o, "url_slug_weight", "0"));
  EXPECT_EQ(o.url_slug_weight, 0.0);
  EXPECT_FALSE(set_option(o, "max_terms", "40"));
  EXPECT_EQ(o.max_terms, 40u);
}

TEST(Options, RejectsUnknownKeysAndBadValuesWithoutChangingAnything) {
  EngineOptions o;
  const EngineOptions before = o;
  EXPECT_EQ(*set_option(o, "no_such_knob", "1"), "unknown cluster option no_such_knob");
  EXPECT_TRUE(set_option(o, "window", "three days"));
  EXPECT_TRUE(set_option(o, "duplicate_jaccard", "1.5"));
  EXPECT_TRUE(set_option(o, "max_terms", "0"));
  EXPECT_TRUE(set_option(o, "join_threshold_pair", "0.5x"));
  EXPECT_EQ(o.window, before.window);
  EXPECT_EQ(o.duplicate_jaccard, before.duplicate_jaccard);
  EXPECT_EQ(o.max_terms, before.max_terms);
}

TEST(Options, DescribeRoundTrips) {
  EngineOptions o;
  o.window = 36h;
  o.merge_threshold = 0.42;
  EngineOptions copy;
  for (const auto& [key, value] : describe_options(o)) EXPECT_FALSE(set_option(copy, key, value)) << key;
  EXPECT_EQ(describe_options(copy), describe_options(o));
}

}  // namespace
}  // namespace fcd::cluster
