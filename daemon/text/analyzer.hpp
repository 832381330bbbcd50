#pragma once
// From a title and a body to the features the clusterer weighs: stemmed
// content words, names, numbers and phrases, plus shingles for duplicates.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/language.hpp"
#include "text/stemmer.hpp"
#include "text/tokenize.hpp"

namespace fcd::text {

struct AnalyzerOptions {
  float title_weight = 1.75f;   // a title word counts this many body words
  float name_weight = 1.46f;    // extra factor for capitalised words in sentence-case text, and acronyms
  float number_weight = 1.3f;  // a number ("2.5", "80000") as a feature of its own
  float phrase_weight = 0.7f;  // two adjacent content words ("interest rate") as one feature
  // The same for an item with a headline and no body. A headline's phrases
  // share its words' evidence, and two headlines of one event seldom keep
  // the same word order, so at full weight its phrases mostly lengthen the
  // vector and lower every cosine; in a summary, shared phrases are what
  // sets an event apart from long texts that share single words by chance.
  float headline_phrase_weight = 0.35f;
  bool body_phrases = true;    // phrases from the body too, not only the title
  std::size_t shingle_words = 3;
};

struct Feature {
  enum class Kind : std::uint8_t { kWord, kName, kNumber, kPhrase };
  static constexpr std::uint32_t kNoWord = 0xFFFFFFFFu;
  // The term (stem, "name1 name2" for phrases and names, or "#80000") is
  // Analysis::terms[term_begin, term_begin + term_size): one string for all
  // features instead of one each, since only a reason for a decision reads it.
  std::uint32_t term_begin = 0, term_size = 0;
  std::uint64_t hash = 0;  // hash64(term), so that users need not hash the term again
  // For a two-word term, the indexes in Analysis::features of its two words'
  // own features (so their document frequencies are at hand); else kNoWord.
  std::uint32_t first_word = kNoWord, second_word = kNoWord;
  Kind kind = Kind::kWord;
  float weight = 0;  // term frequency times field and kind weights
};

struct Analysis {
  Language language = Language::kUnknown;
  std::vector<Feature> features;            // one entry per distinct term
  std::string terms;                        // the features' terms, end to end
  std::vector<std::uint64_t> shingles;      // word shingles of title + body, for MinHash
  std::vector<std::uint64_t> title_shingles;  // word 2-shingles of the title alone
  // hash64 of the first market instrument code the title, else the body,
  // names ("EUR/USD", "XAU/USD"), else of the instrument of the asset an
  // English title leads with ("Gold: ...", "WTI holds ..."); 0 for none.
  std::uint64_t instrument = 0;
  bool headline_only = false;  // the body is empty or only whitespace

  // A feature's term: a view into terms, valid while this Analysis lives unchanged.
  std::string_view term(const Feature& f) const { return std::string_view(terms).substr(f.term_begin, f.term_size); }
};

// Turns text into features. Owns one stemmer per language it has met, so it is
// not thread-safe: use one Analyzer per thread.
class Analyzer {
 public:
  explicit Analyzer(AnalyzerOptions options = {});

  // language may be kUnknown, in which case it is detected from the text.
  Analysis analyze(std::string_view title, std::string_view body, Language language);

  const AnalyzerOptions& options() const { return options_; }

 private:
  Stemmer& stemmer_for(Language language);

  AnalyzerOptions options_;
  std::array<std::optional<Stemmer>, static_cast<std::size_t>(Language::kOther) + 1> stemmers_;
  Tokens tokens_;  // scratch, reused so that tokenising stops allocating
};

}  // namespace fcd::text
