#include "text/analyzer.hpp"

#include <algorithm>

#include "text/flat_map.hpp"
#include "text/minhash.hpp"
#include "text/stopwords.hpp"
#include "text/tokenize.hpp"

namespace fcd::text {

namespace {

struct Word {
  std::string stem;  // empty for a stop word or a fragment too short to mean anything
  Token::Kind kind = Token::Kind::kWord;
  bool name = false;  // a capitalised word that reads as a name here
};

// Headlines are often in Title Case, where capitals say nothing about names.
bool is_title_case(const std::vector<Token>& tokens, Language language) {
  std::size_t words = 0, capitalised = 0;
  for (const auto& t : tokens) {
    if (t.kind != Token::Kind::kWord || t.sentence_start || is_stop_word(language, t.text)) continue;
    ++words;
    capitalised += t.capitalised;
  }
  return words >= 3 && capitalised * 4 >= words * 3;
}

// Terms are told apart by a 64-bit hash (the engine keys them by 32 bits of
// the same hash anyway), so the index stores no strings of its own.
class FeatureBag {
 public:
  void add(std::string term, Feature::Kind kind, float weight) {
    const auto next = static_cast<std::uint32_t>(features_.size());
    const std::uint32_t at = index_.try_set(hash64(term), next);
    if (at == next)
      features_.push_back(Feature{std::move(term), kind, weight});
    else
      features_[at].weight += weight;
  }
  std::vector<Feature> take() { return std::move(features_); }

 private:
  detail::FlatMap<std::uint64_t> index_;
  std::vector<Feature> features_;
};

}  // namespace

Analyzer::Analyzer(AnalyzerOptions options) : options_(options) {}

Stemmer& Analyzer::stemmer_for(Language language) {
  auto& slot = stemmers_[static_cast<std::size_t>(language)];
  if (!slot) slot.emplace(language);
  return *slot;
}

Analysis Analyzer::analyze(std::string_view title, std::string_view body, Language language) {
  Analysis out;
  if (language == Language::kUnknown) {
    std::string sample(title);
    sample.append(" ").append(body.substr(0, 400));
    language = detect_language(sample);
  }
  out.language = language;
  Stemmer& stemmer = stemmer_for(language);

  FeatureBag bag;
  std::vector<std::string> folded_all;
  auto process = [&](std::string_view text, bool is_title, std::vector<std::string>& folded) {
    const float field_weight = is_title ? options_.title_weight : 1.0f;
    const bool phrases = is_title || options_.body_phrases;
    const std::vector<Token> tokens = tokenize(text);
    // Body text is prose in sentence case; only a title can be in Title Case.
    const bool title_case = is_title && is_title_case(tokens, language);
    std::vector<Word> words;
    words.reserve(tokens.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const Token& t = tokens[i];
      folded.push_back(t.text);
      Word w;
      w.kind = t.kind;
      if (t.kind == Token::Kind::kCjk) {
        w.stem = t.text;
      } else if (t.kind == Token::Kind::kNumber) {
        w.stem = "#" + t.text;
      } else if (t.all_caps && t.text.size() >= 2) {
        w.stem = t.text;  // acronyms ("US", "IT") are not stop words and not stemmed
        w.name = true;
      } else if (t.text.size() >= 2 && !is_stop_word(language, t.text)) {
        w.stem = stemmer.stem(t.text);
        const bool next_capitalised = i + 1 < tokens.size() && tokens[i + 1].capitalised;
        w.name = !title_case && t.capitalised && (!t.sentence_start || next_capitalised);
      }
      words.push_back(std::move(w));
    }
    for (std::size_t i = 0; i < words.size(); ++i) {
      const Word& w = words[i];
      if (w.stem.empty()) continue;
      if (w.kind == Token::Kind::kNumber) {
        bag.add(w.stem, Feature::Kind::kNumber, field_weight * options_.number_weight);
        continue;
      }
      bag.add(w.stem, w.name ? Feature::Kind::kName : Feature::Kind::kWord,
              field_weight * (w.name ? options_.name_weight : 1.0f));
      if (!phrases || i + 1 >= words.size() || words[i + 1].stem.empty()) continue;
      const Word& next = words[i + 1];
      if (w.kind == Token::Kind::kCjk || next.kind == Token::Kind::kCjk) continue;
      const bool name_pair = w.name && next.name;
      bag.add(w.stem + " " + next.stem, name_pair ? Feature::Kind::kName : Feature::Kind::kPhrase,
              field_weight * options_.phrase_weight * (name_pair ? options_.name_weight : 1.0f));
    }
  };

  std::vector<std::string> folded_title;
  process(title, true, folded_title);
  std::vector<std::string> folded_body;
  process(body, false, folded_body);

  out.title_shingles = word_shingles(folded_title, 2);
  folded_all = std::move(folded_title);
  folded_all.insert(folded_all.end(), std::make_move_iterator(folded_body.begin()),
                    std::make_move_iterator(folded_body.end()));
  out.shingles = word_shingles(folded_all, options_.shingle_words);
  out.features = bag.take();
  return out;
}

}  // namespace fcd::text
