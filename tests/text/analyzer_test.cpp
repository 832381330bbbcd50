#include "text/analyzer.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "text/minhash.hpp"

namespace fcd::text {
namespace {

const Feature* find(const Analysis& a, std::string_view term) {
  auto it = std::find_if(a.features.begin(), a.features.end(), [&](const Feature& f) { return a.term(f) == term; });
  return it == a.features.end() ? nullptr : &*it;
}

TEST(Analyzer, StemsDropsStopWordsAndWeighsTheTitleUp) {
  Analyzer analyzer;
  const Analysis a = analyzer.analyze("Leaders meeting in Alaska", "The meeting was short.", Language::kEnglish);
  EXPECT_EQ(a.language, Language::kEnglish);
  ASSERT_NE(find(a, "meet"), nullptr);
  EXPECT_FLOAT_EQ(find(a, "meet")->weight, analyzer.options().title_weight + 1.0f);
  EXPECT_EQ(find(a, "the"), nullptr);
  EXPECT_EQ(find(a, "was"), nullptr);
}

TEST(Analyzer, FindsNamesInSentenceCaseText) {
  Analyzer analyzer;
  const Analysis a =
      analyzer.analyze("", "Talks resumed on Friday. Envoy Steve Witkoff flew to Moscow again.", Language::kEnglish);
  const Feature* name = find(a, "steve witkoff");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->kind, Feature::Kind::kName);
  EXPECT_EQ(find(a, "moscow")->kind, Feature::Kind::kName);
  // A capitalised first word of a sentence is not a name on its own.
  EXPECT_EQ(find(a, "talk")->kind, Feature::Kind::kWord);
}

TEST(Analyzer, TitleCaseHeadlinesDoNotMakeEverythingAName) {
  Analyzer analyzer;
  const Analysis a = analyzer.analyze("Keith Richards To Write Children's Book", "", Language::kEnglish);
  EXPECT_EQ(find(a, "write")->kind, Feature::Kind::kWord);
  EXPECT_EQ(find(a, "keith richard")->kind, Feature::Kind::kPhrase);
}

TEST(Analyzer, NumbersAndAcronymsAreFeatures) {
  Analyzer analyzer;
  const Analysis a = analyzer.analyze("NFP: US payrolls rise by 150,000", "", Language::kEnglish);
  ASSERT_NE(find(a, "#150000"), nullptr);
  EXPECT_EQ(find(a, "#150000")->kind, Feature::Kind::kNumber);
  EXPECT_EQ(find(a, "nfp")->kind, Feature::Kind::kName);
  EXPECT_NE(find(a, "us"), nullptr);  // "US" the country, not the pronoun
}

TEST(Analyzer, AnAmountWithItsMagnitudeGluedOnIsItsNumber) {
  Analyzer analyzer;
  const Analysis glued = analyzer.analyze("Priceline buys OpenTable in $2.6B deal", "", Language::kEnglish);
  const Analysis spaced = analyzer.analyze("Priceline's $2.6 Billion Dinner Tab", "", Language::kEnglish);
  for (const Analysis* a : {&glued, &spaced}) {
    ASSERT_NE(find(*a, "#2.6"), nullptr);
    EXPECT_EQ(find(*a, "#2.6")->kind, Feature::Kind::kNumber);
  }
  EXPECT_NE(find(analyzer.analyze("Pfizer walks away from $118bn deal", "", Language::kEnglish), "#118"), nullptr);
  // Only magnitudes: a model name or a resolution stays a word.
  EXPECT_EQ(find(analyzer.analyze("The new 4K TVs and the F35 jet", "", Language::kEnglish), "#4"), nullptr);
  EXPECT_NE(find(analyzer.analyze("Graco recalls 1.9M car seats", "", Language::kEnglish), "#1.9"), nullptr);
}

TEST(Analyzer, NamesTheFirstInstrumentCodeOfTheTitleElseTheBody) {
  Analyzer analyzer;
  EXPECT_EQ(analyzer.analyze("Euro climbs", "EUR/USD rises; GBP/USD lags.", Language::kEnglish).instrument,
            hash64("EUR/USD"));
  EXPECT_EQ(analyzer.analyze("XAU/USD Price Forecast", "EUR/USD rises.", Language::kEnglish).instrument,
            hash64("XAU/USD"));
  // Not instruments: lower case, more or fewer than three letters, letters
  // around them, sides that are no currency codes.
  EXPECT_EQ(analyzer.analyze("Markets climb", "eur/usd, EU/USD, EURO/USD, AEUR/USD, EUR/USD2", Language::kEnglish)
                .instrument,
            0u);
  EXPECT_EQ(analyzer.analyze("NBC/WSJ poll: voters sour on tariffs", "", Language::kEnglish).instrument, 0u);
}

TEST(Analyzer, ATitleWithNoCodeNamesTheAssetItLeadsWith) {
  Analyzer analyzer;
  auto instrument = [&](std::string_view title, std::string_view body = "") {
    return analyzer.analyze(title, body, Language::kEnglish).instrument;
  };
  EXPECT_EQ(instrument("Gold: Breakout holds as US payrolls loom – OCBC"), hash64("XAU/USD"));
  EXPECT_EQ(instrument("Japanese Yen trades flat against US Dollar"), hash64("USD/JPY"));
  EXPECT_EQ(instrument("US Dollar Index Price Forecast: Likely find direction"), instrument("US Dollar: Weak payrolls"));
  EXPECT_EQ(instrument("WTI holds firm near $77.50"), instrument("Brent: Volatile path as Hormuz risk lingers"));
  // A code in the title or the body says more than the leading word.
  EXPECT_EQ(instrument("Euro steadies against the British Pound", "EUR/GBP holds 0.8580."), hash64("EUR/GBP"));
  // Quoted against another currency than the dollar: the cross, in the
  // market's order, whichever side the headline leads with.
  EXPECT_EQ(instrument("Euro steadies against the British Pound following another rejection"), hash64("EUR/GBP"));
  EXPECT_EQ(instrument("Euro holds two-day gains against Yen, investors seek clarity"), hash64("EUR/JPY"));
  EXPECT_EQ(instrument("Japanese Yen weakens against the Euro"), hash64("EUR/JPY"));
  EXPECT_EQ(instrument("Euro: Rebound against US Dollar faces key cloud barrier – UOB"), hash64("EUR/USD"));
  EXPECT_EQ(instrument("US Dollar Index gains against the Yen"), hash64("DXY"));
  // Not a leading asset: a longer word, the euro area, an asset named later.
  EXPECT_EQ(instrument("Goldman Sachs lifts its forecast"), 0u);
  EXPECT_EQ(instrument("Euro zone economy still at risk"), 0u);
  EXPECT_EQ(instrument("Lower Oil Prices Lend Support For The Gold Rally"), 0u);
}

TEST(Analyzer, DetectsTheLanguageWhenNotGiven) {
  Analyzer analyzer;
  const Analysis a = analyzer.analyze("Die Verhandlungen über die Zölle gehen weiter",
                                      "Die Regierung hat am Freitag neue Gespräche angekündigt.", Language::kUnknown);
  EXPECT_EQ(a.language, Language::kGerman);
  EXPECT_NE(find(a, "verhandl"), nullptr);
}

TEST(Analyzer, JapaneseGivesBigramsAndShingles) {
  Analyzer analyzer;
  const Analysis a = analyzer.analyze("イラン船舶から料金徴収", "", Language::kJapanese);
  EXPECT_NE(find(a, "料金"), nullptr);
  EXPECT_FALSE(a.title_shingles.empty());
}

}  // namespace
}  // namespace fcd::text
