#include "text/tokenize.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fcd::text {
namespace {

std::vector<std::string> texts(const std::vector<Token>& tokens) {
  std::vector<std::string> out;
  for (const auto& t : tokens) out.push_back(t.text);
  return out;
}

TEST(Tokenize, SplitsWordsAndDropsPunctuation) {
  EXPECT_THAT(texts(tokenize("Putin, Trump meet in Alaska!")),
              ::testing::ElementsAre("putin", "trump", "meet", "in", "alaska"));
}

TEST(Tokenize, KeepsNumbersWhole) {
  const auto tokens = tokenize("an $80,000 payout, up 2.5% in 2026");
  EXPECT_THAT(texts(tokens), ::testing::ElementsAre("an", "80000", "payout", "up", "2.5", "in", "2026"));
  EXPECT_EQ(tokens[1].kind, Token::Kind::kNumber);
  EXPECT_EQ(tokens[2].kind, Token::Kind::kWord);
}

TEST(Tokenize, JoinsAcronymsAndDropsPossessives) {
  const auto tokens = tokenize("U.S. envoy meets Trump's team");
  EXPECT_THAT(texts(tokens), ::testing::ElementsAre("us", "envoy", "meets", "trump", "team"));
  EXPECT_TRUE(tokens[0].all_caps);
  EXPECT_TRUE(tokens[3].capitalised);
  EXPECT_FALSE(tokens[2].capitalised);
}

TEST(Tokenize, MarksSentenceStarts) {
  const auto tokens = tokenize("Markets fell. Oil rose");
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_TRUE(tokens[0].sentence_start);
  EXPECT_FALSE(tokens[1].sentence_start);
  EXPECT_TRUE(tokens[2].sentence_start);
}

TEST(Tokenize, CjkBecomesBigrams) {
  const auto tokens = tokenize("ホルムズ海峡");
  EXPECT_THAT(texts(tokens), ::testing::ElementsAre("ホル", "ルム", "ムズ", "ズ海", "海峡"));
  for (const auto& t : tokens) EXPECT_EQ(t.kind, Token::Kind::kCjk);
}

TEST(Tokenize, MixedScriptsAndInvalidBytes) {
  EXPECT_THAT(texts(tokenize("NHK報道 \xFF ok")), ::testing::ElementsAre("nhk", "報道", "ok"));
  EXPECT_TRUE(tokenize("").empty());
  EXPECT_TRUE(tokenize(" ,.;- ").empty());
}

TEST(Tokenize, CyrillicAndAccents) {
  EXPECT_THAT(texts(tokenize("Путин встретится с Трампом")),
              ::testing::ElementsAre("путин", "встретится", "с", "трампом"));
  EXPECT_THAT(texts(tokenize("Élysée: réunion")), ::testing::ElementsAre("élysée", "réunion"));
}

}  // namespace
}  // namespace fcd::text
