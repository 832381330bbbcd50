#include "text/stemmer.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace fcd::text {
namespace {

// The cache keeps a stem as the start it shares with its word plus a tail;
// a cached answer must be the one libstemmer gave, whatever the shape.
TEST(Stemmer, CachedStemsAreTheStemsFirstGiven) {
  Stemmer stemmer(Language::kEnglish);
  const std::string long_word = "internationalisationalistically";  // longer than a cache entry holds
  for (const std::string word : {"running", "happy", "flies", "news", "a", long_word.c_str()}) {
    const std::string first(stemmer.stem(word));
    EXPECT_EQ(stemmer.stem(word), first) << word;
    EXPECT_EQ(stemmer.stem(word), first) << word;
  }
  EXPECT_EQ(stemmer.stem("running"), "run");
  EXPECT_EQ(stemmer.stem("happy"), "happi");
  EXPECT_EQ(stemmer.stem("happy"), "happi");
}

// Two words with one hash share an entry: each evicts the other, and neither
// is ever answered with the other's stem.
TEST(Stemmer, WordsSharingAnEntryKeepTheirOwnStems) {
  Stemmer stemmer(Language::kEnglish);
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(stemmer.stem("running", 7), "run");
    EXPECT_EQ(stemmer.stem("happy", 7), "happi");
    EXPECT_EQ(stemmer.stem("happily", 7), "happili");
  }
}

// The stop-word answer is cached in the stem's entry: it must stay the
// stop-word list's, first asked or cached, and whichever word held the entry.
TEST(Stemmer, ContentStemsLeaveOutStopWords) {
  Stemmer stemmer(Language::kEnglish);
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(stemmer.content_stem("the", hash64("the")), std::nullopt);
    EXPECT_EQ(stemmer.content_stem("running", hash64("running")), "run");
    EXPECT_EQ(stemmer.content_stem("the", 7), std::nullopt);
    EXPECT_EQ(stemmer.content_stem("meetings", 7), "meet");
    EXPECT_EQ(stemmer.stem("the", 7), "the");
  }
  Stemmer german(Language::kGerman);
  EXPECT_EQ(german.content_stem("und", hash64("und")), std::nullopt);
  EXPECT_EQ(german.content_stem("the", hash64("the")), "the");
}

TEST(Stemmer, LanguagesWithoutAnAlgorithmUseTheEnglishStopWords) {
  Stemmer stemmer(Language::kJapanese);
  EXPECT_EQ(stemmer.content_stem("the", hash64("the")), std::nullopt);
  EXPECT_EQ(stemmer.content_stem("running", hash64("running")), "running");
}

TEST(Stemmer, LanguagesWithoutAnAlgorithmKeepTheWord) {
  Stemmer stemmer(Language::kJapanese);
  EXPECT_EQ(stemmer.stem("running"), "running");
}

}  // namespace
}  // namespace fcd::text
