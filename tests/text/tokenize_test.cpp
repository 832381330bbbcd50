#include "text/tokenize.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fcd::text {
namespace {

std::vector<std::string> texts(const Tokens& tokens) {
  std::vector<std::string> out;
  for (const auto& t : tokens.list) out.emplace_back(tokens.text(t));
  return out;
}

TEST(Tokenize, SplitsWordsAndDropsPunctuation) {
  EXPECT_THAT(texts(tokenize("Putin, Trump meet in Alaska!")),
              ::testing::ElementsAre("putin", "trump", "meet", "in", "alaska"));
}

TEST(Tokenize, KeepsNumbersWhole) {
  const auto tokens = tokenize("an $80,000 payout, up 2.5% in 2026");
  EXPECT_THAT(texts(tokens), ::testing::ElementsAre("an", "80000", "payout", "up", "2.5", "in", "2026"));
  EXPECT_EQ(tokens.list[1].kind, Token::Kind::kNumber);
  EXPECT_EQ(tokens.list[2].kind, Token::Kind::kWord);
}

TEST(Tokenize, JoinsAcronymsAndDropsPossessives) {
  const auto tokens = tokenize("U.S. envoy meets Trump's team");
  EXPECT_THAT(texts(tokens), ::testing::ElementsAre("us", "envoy", "meets", "trump", "team"));
  EXPECT_TRUE(tokens.list[0].all_caps);
  EXPECT_TRUE(tokens.list[3].capitalised);
  EXPECT_FALSE(tokens.list[2].capitalised);
}

TEST(Tokenize, MarksSentenceStarts) {
  const auto tokens = tokenize("Markets fell. Oil rose");
  ASSERT_EQ(tokens.list.size(), 4u);
  EXPECT_TRUE(tokens.list[0].sentence_start);
  EXPECT_FALSE(tokens.list[1].sentence_start);
  EXPECT_TRUE(tokens.list[2].sentence_start);
}

TEST(Tokenize, CjkBecomesBigrams) {
  const auto tokens = tokenize("ホルムズ海峡");
  EXPECT_THAT(texts(tokens), ::testing::ElementsAre("ホル", "ルム", "ムズ", "ズ海", "海峡"));
  for (const auto& t : tokens.list) EXPECT_EQ(t.kind, Token::Kind::kCjk);
}

TEST(Tokenize, MixedScriptsAndInvalidBytes) {
  EXPECT_THAT(texts(tokenize("NHK報道 \xFF ok")), ::testing::ElementsAre("nhk", "報道", "ok"));
  EXPECT_TRUE(tokenize("").list.empty());
  EXPECT_TRUE(tokenize(" ,.;- ").list.empty());
}

TEST(Tokenize, ReusedTokensHoldOnlyTheLastText) {
  Tokens tokens;
  tokenize("Markets fell sharply on Monday", tokens);
  tokenize("Oil rose", tokens);
  EXPECT_THAT(texts(tokens), ::testing::ElementsAre("oil", "rose"));
  EXPECT_EQ(tokens.folded, "oilrose");
}

TEST(Tokenize, CyrillicAndAccents) {
  EXPECT_THAT(texts(tokenize("Путин встретится с Трампом")),
              ::testing::ElementsAre("путин", "встретится", "с", "трампом"));
  EXPECT_THAT(texts(tokenize("Élysée: réunion")), ::testing::ElementsAre("élysée", "réunion"));
}

}  // namespace
}  // namespace fcd::text
