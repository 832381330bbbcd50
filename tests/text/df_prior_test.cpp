#include "text/df_prior.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "support/test_data.hpp"
#include "text/analyzer.hpp"
#include "text/tfidf.hpp"

namespace fcd::text {
namespace {

using namespace std::chrono_literals;

const core::TimePoint kT0{std::chrono::sys_days{std::chrono::year{2026} / 8 / 7}};

std::uint32_t word_id(std::string_view word) {
  Analyzer analyzer;
  const Analysis a = analyzer.analyze(word, "", Language::kEnglish);
  EXPECT_EQ(a.features.size(), 1u) << word;
  return a.features.empty() ? 0 : static_cast<std::uint32_t>(a.features.front().hash);
}

TEST(DocumentFrequencyPrior, KnowsEverydayNewsWordsFromRareOnes) {
  const DocumentFrequencyPrior& prior = news_prior();
  ASSERT_GT(prior.stories, 1000);
  ASSERT_GT(prior.entries.size(), 1000u);
  EXPECT_TRUE(std::is_sorted(prior.entries.begin(), prior.entries.end(),
                             [](const PriorEntry& a, const PriorEntry& b) { return a.term < b.term; }));
  EXPECT_GT(prior.share(word_id("report")), 0.01);
  EXPECT_GT(prior.share(word_id("week")), 0.01);
  EXPECT_EQ(prior.share(word_id("witkoff")), 0.0);
}

TEST(DocumentFrequencyPrior, AFreshEngineStillWeighsASharedRareWordAboveAnEverydayOne) {
  // One article seen: learned alone, every one of its words is "in every
  // document", so a word two reports share weighs a fifth of one they do not.
  const std::array<TermId, 2> words = {word_id("alaska"), word_id("report")};
  DocumentFrequencies learned_only(24h);
  learned_only.add(words, kT0);
  const double alone = learned_only.idf(words[0], kT0);
  DocumentFrequencies with_prior(24h);
  with_prior.set_prior(news_prior(), 50);
  with_prior.add(words, kT0);
  EXPECT_LT(alone, 0.5);
  EXPECT_GT(with_prior.idf(words[0], kT0), 3.0);
  EXPECT_GT(with_prior.idf(words[0], kT0), with_prior.idf(words[1], kT0) + 0.5);
  EXPECT_GT(with_prior.idf(word_id("witkoff"), kT0), with_prior.idf(words[0], kT0));
}

TEST(DocumentFrequencyPrior, FadesOnceTheEngineHasCountedItsOwn) {
  const TermId report = word_id("report");
  DocumentFrequencies learned_only(24h), with_prior(24h);
  with_prior.set_prior(news_prior(), 50);
  const std::array<TermId, 1> other = {12345u};
  for (int i = 0; i < 5000; ++i) {
    learned_only.add(other, kT0 + std::chrono::seconds(i));
    with_prior.add(other, kT0 + std::chrono::seconds(i));
  }
  const core::TimePoint t = kT0 + 5000s;
  EXPECT_DOUBLE_EQ(with_prior.idf(report, t), learned_only.idf(report, t));
}

TEST(DocumentFrequencyPrior, FarTimesGiveFiniteFrequencies) {
  DocumentFrequencies df(24h);
  df.set_prior(news_prior(), 50);
  const std::array<TermId, 1> word = {word_id("alaska")};
  df.add(word, kT0);
  for (const auto years : {-300, -30, 30, 300}) {
    const core::TimePoint t = kT0 + std::chrono::hours(24 * 365 * years);
    EXPECT_TRUE(std::isfinite(df.idf(word[0], t))) << years;
    df.add(word, t);
    EXPECT_TRUE(std::isfinite(df.idf(word[0], t))) << years;
  }
}

// The compiled-in table is what scripts/make-df-priors makes now: a change to
// the analyzer's terms without regenerating it fails here.
TEST(DocumentFrequencyPrior, CompiledTableMatchesItsGenerator) {
  const std::string dense = test::repository_data_path("uci_newsagg/dev.jsonl");
  const std::string sparse = test::repository_data_path("uci_newsagg/sample.jsonl");
  const std::string command = std::string(FCD_BINARY_DIR) + "/daemon/text/make_df_priors " + dense + " " + sparse;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  ASSERT_TRUE(pipe) << command;
  std::string generated;
  std::array<char, 65536> buffer;
  for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0;) generated.append(buffer.data(), n);
  std::ifstream in(std::string(FCD_SOURCE_DIR) + "/daemon/text/df_prior_en.inc");
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_TRUE(generated == committed.str()) << "daemon/text/df_prior_en.inc is stale: run scripts/make-df-priors";
}

}  // namespace
}  // namespace fcd::text
