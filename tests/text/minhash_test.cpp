#include "text/minhash.hpp"

#include <gtest/gtest.h>

namespace fcd::text {
namespace {

std::vector<std::uint64_t> words(std::string_view text) {
  std::vector<std::uint64_t> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find(' ', pos), text.size());
    out.push_back(hash64(text.substr(pos, end - pos)));
    pos = end + 1;
  }
  return out;
}

constexpr std::string_view kWire =
    "president trump and vladimir putin plan to meet in alaska on friday trump has confirmed the summit in a post "
    "and multiple sources say planning remains fluid the white house has signaled openness to a trilateral meeting";

TEST(MinHash, IdenticalSetsMatchAndEmptySetsDoNot) {
  const auto s = word_shingles(words(kWire), 3);
  EXPECT_DOUBLE_EQ(estimate_jaccard(minhash(s), minhash(s)), 1.0);
  EXPECT_DOUBLE_EQ(estimate_jaccard(minhash({}), minhash({})), 0.0);
}

TEST(MinHash, LightEditsStaySimilarOtherTextDoesNot) {
  std::string edited(kWire);
  edited.replace(edited.find("friday"), 6, "monday");
  const auto a = minhash(word_shingles(words(kWire), 3));
  const auto b = minhash(word_shingles(words(edited), 3));
  const auto c = minhash(word_shingles(
      words("copper prices rose to a record high on tight supply as traders weighed tariffs and demand from china"),
      3));
  EXPECT_GE(estimate_jaccard(a, b), 0.6);
  EXPECT_LE(estimate_jaccard(a, c), 0.2);
  // Near-identical texts share at least one LSH band key; unrelated ones none.
  const auto ka = lsh_keys(a), kb = lsh_keys(b), kc = lsh_keys(c);
  bool ab = false, ac = false;
  for (std::size_t i = 0; i < kMinHashBands; ++i) {
    ab = ab || ka[i] == kb[i];
    ac = ac || ka[i] == kc[i];
  }
  EXPECT_TRUE(ab);
  EXPECT_FALSE(ac);
}

TEST(Shingles, ShortTextsGiveOneShingle) {
  EXPECT_EQ(word_shingles(words("two words"), 3).size(), 1u);
  EXPECT_EQ(word_shingles(words("a b c d"), 3).size(), 2u);
  EXPECT_TRUE(word_shingles({}, 3).empty());
}

}  // namespace
}  // namespace fcd::text
