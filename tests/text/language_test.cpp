#include "text/language.hpp"

#include <gtest/gtest.h>

#include "text/stemmer.hpp"
#include "text/stopwords.hpp"

namespace fcd::text {
namespace {

TEST(Language, CodesRoundTrip) {
  EXPECT_EQ(language_from_code("en-US"), Language::kEnglish);
  EXPECT_EQ(language_from_code("PT_br"), Language::kPortuguese);
  EXPECT_EQ(language_from_code("ja"), Language::kJapanese);
  EXPECT_EQ(language_from_code("sw"), Language::kOther);
  EXPECT_EQ(language_from_code(""), Language::kUnknown);
  EXPECT_EQ(language_code(Language::kRussian), "ru");
  EXPECT_EQ(language_code(Language::kUnknown), "");
}

TEST(Language, DetectsFromText) {
  EXPECT_EQ(detect_language("The president will meet the Russian leader in Alaska next week to discuss the war"),
            Language::kEnglish);
  EXPECT_EQ(detect_language("Der Präsident trifft sich nächste Woche mit dem russischen Staatschef in Alaska"),
            Language::kGerman);
  EXPECT_EQ(detect_language("Le président rencontrera le dirigeant russe en Alaska la semaine prochaine"),
            Language::kFrench);
  EXPECT_EQ(detect_language("Президент встретится с российским лидером на Аляске на следующей неделе"),
            Language::kRussian);
  EXPECT_EQ(detect_language("ホルムズ海峡をめぐって、イランが対岸のオマーンとの協議は調整の最終段階にある"),
            Language::kJapanese);
}

TEST(Stemmer, StemsEachLanguage) {
  EXPECT_EQ(Stemmer(Language::kEnglish).stem("meetings"), "meet");
  EXPECT_EQ(Stemmer(Language::kGerman).stem("verhandlungen"), "verhandl");
  EXPECT_EQ(Stemmer(Language::kFrench).stem("négociations"), "négoci");
  EXPECT_EQ(Stemmer(Language::kSpanish).stem("negociaciones"), "negoci");
  EXPECT_EQ(Stemmer(Language::kItalian).stem("negoziati"), "negoz");
  EXPECT_EQ(Stemmer(Language::kPortuguese).stem("negociações"), "negoc");
  EXPECT_EQ(Stemmer(Language::kDutch).stem("onderhandelingen"), "onderhandel");
  EXPECT_EQ(Stemmer(Language::kRussian).stem("переговоры"), "переговор");
  EXPECT_EQ(Stemmer(Language::kJapanese).stem("海峡"), "海峡");  // no Snowball: unchanged
}

TEST(StopWords, PerLanguage) {
  EXPECT_TRUE(is_stop_word(Language::kEnglish, "the"));
  EXPECT_FALSE(is_stop_word(Language::kEnglish, "alaska"));
  EXPECT_TRUE(is_stop_word(Language::kGerman, "und"));
  EXPECT_TRUE(is_stop_word(Language::kFrench, "avec"));
  EXPECT_TRUE(is_stop_word(Language::kSpanish, "para"));
  EXPECT_TRUE(is_stop_word(Language::kItalian, "della"));
  EXPECT_TRUE(is_stop_word(Language::kPortuguese, "não"));
  EXPECT_TRUE(is_stop_word(Language::kDutch, "niet"));
  EXPECT_TRUE(is_stop_word(Language::kRussian, "что"));
  EXPECT_FALSE(is_stop_word(Language::kGerman, "the"));
}

}  // namespace
}  // namespace fcd::text
