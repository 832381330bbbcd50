#include "text/analyzer.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/ascii.hpp"
#include "text/flat_map.hpp"
#include "text/minhash.hpp"
#include "text/stopwords.hpp"

namespace fcd::text {

namespace {

using core::is_ascii_alnum;
using core::is_ascii_digit;

struct Word {
  std::string stem;  // empty for a stop word or a fragment too short to mean anything
  std::uint64_t hash = 0;  // hash64(stem)
  std::uint32_t feature = 0;  // its index in the bag, once added
  Token::Kind kind = Token::Kind::kWord;
  bool name = false;  // a capitalised word that reads as a name here
};

// Headlines are often in Title Case, where capitals say nothing about names.
bool is_title_case(const Tokens& tokens, Language language) {
  std::size_t words = 0, capitalised = 0;
  for (const auto& t : tokens.list) {
    if (t.kind != Token::Kind::kWord || t.sentence_start || is_stop_word(language, tokens.text(t))) continue;
    ++words;
    capitalised += t.capitalised;
  }
  return words >= 3 && capitalised * 4 >= words * 3;
}

// Terms are told apart by a 64-bit hash (the engine keys them by 32 bits of
// the same hash anyway), so the index stores no strings of its own. A term's
// string is made only the first time it is met.
class FeatureBag {
 public:
  // Room for about this many distinct terms, so the index is not rehashed
  // four or five times while it fills (bench/cluster/README.md has the cost).
  explicit FeatureBag(std::size_t expected_terms) {
    index_.reserve(expected_terms);
    features_.reserve(expected_terms);
    // A distinct term averages fewer than ten bytes.
    terms_.reserve(expected_terms * 10);
  }

  // Adds weight to the term with this hash; returns its feature's index.
  std::uint32_t add(std::string_view term, std::uint64_t hash, Feature::Kind kind, float weight) {
    const auto next = static_cast<std::uint32_t>(features_.size());
    const std::uint32_t at = index_.try_set(hash, next);
    if (at == next) {
      Feature f;
      f.term_begin = static_cast<std::uint32_t>(terms_.size());
      f.term_size = static_cast<std::uint32_t>(term.size());
      terms_.append(term);
      f.hash = hash;
      f.kind = kind;
      f.weight = weight;
      features_.push_back(std::move(f));
    } else {
      features_[at].weight += weight;
    }
    return at;
  }

  // Adds weight to the two-word term "first second". first has been added
  // (first.feature); second is added only after the phrase it ends, so its
  // feature is looked up in take().
  void add_phrase(const Word& first, const Word& second, Feature::Kind kind, float weight) {
    phrase_ = first.stem;
    phrase_.push_back(' ');
    phrase_.append(second.stem);
    const std::uint32_t at = add(phrase_, hash64(phrase_), kind, weight);
    if (features_[at].first_word == Feature::kNoWord) {
      features_[at].first_word = first.feature;
      second_words_.emplace_back(at, second.hash);
    }
  }

  // Moves the features and their terms into out.
  void take(Analysis& out) {
    for (const auto& [phrase, second_hash] : second_words_)
      features_[phrase].second_word = index_.find(second_hash).value_or(Feature::kNoWord);
    out.features = std::move(features_);
    out.terms = std::move(terms_);
  }

 private:
  detail::FlatMap<std::uint64_t> index_;
  std::vector<Feature> features_;
  std::string terms_;  // the features' terms, end to end
  std::vector<std::pair<std::uint32_t, std::uint64_t>> second_words_;  // phrase feature, hash of its second word
  std::string phrase_;  // scratch
};

// ISO 4217 currency codes, the offshore yuan (CNH) and the precious metals
// (XAU, XAG, XPT, XPD), sorted: the two sides of a market instrument. Other
// "AAA/BBB" pairs are not instruments ("NBC/WSJ poll", "CNN/ORC").
constexpr std::array<std::string_view, 159> kCurrencyCodes = {
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF",
    "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNH", "CNY", "COP",
    "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL",
    "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK",
    "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD",
    "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN",
    "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON",
    "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SYP",
    "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES",
    "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XCD", "XOF", "XPD", "XPF", "XPT", "YER", "ZAR", "ZMW", "ZWL",
};

bool is_currency_code(std::string_view text) {
  return std::binary_search(kCurrencyCodes.begin(), kCurrencyCodes.end(), text);
}

// The first "AAA/BBB" in text whose sides are currency codes, with no letter
// or digit around it: how market reports name a currency pair or a metal
// against a currency.
std::string_view first_instrument(std::string_view text) {
  for (std::size_t slash = text.find('/'); slash != std::string_view::npos; slash = text.find('/', slash + 1)) {
    if (slash < 3 || slash + 4 > text.size()) continue;
    const std::size_t begin = slash - 3, end = slash + 4;
    if (!is_currency_code(text.substr(begin, 3)) || !is_currency_code(text.substr(slash + 1, 3)) ||
        (begin > 0 && is_ascii_alnum(text[begin - 1])) || (end < text.size() && is_ascii_alnum(text[end])))
      continue;
    return text.substr(begin, end - begin);
  }
  return {};
}

// What a market report is about when it names no currency pair: the asset
// its headline leads with ("Gold: Breakout holds – OCBC", "WTI holds firm",
// "Japanese Yen trades flat"), as the instrument it is quoted as. Currencies
// are their pair against the dollar in market convention, or the cross
// the headline quotes them against (cross_pair); the crude oil
// benchmarks are one instrument, the dollar against its basket another.
// Longer names first, so "US Dollar Index" is not read as "US Dollar".
constexpr std::array<std::pair<std::string_view, std::string_view>, 19> kLeadingAssets = {{
    {"United States Dollar Index", "DXY"}, {"New Zealand Dollar", "NZD/USD"}, {"Australian Dollar", "AUD/USD"},
    {"Canadian Dollar", "USD/CAD"}, {"US Dollar Index", "DXY"}, {"British Pound", "GBP/USD"},
    {"Japanese Yen", "USD/JPY"}, {"Swiss Franc", "USD/CHF"}, {"US Dollar", "DXY"}, {"Sterling", "GBP/USD"},
    {"Silver", "XAG/USD"}, {"Brent", "OIL"}, {"Crude", "OIL"}, {"Gold", "XAU/USD"}, {"Euro", "EUR/USD"},
    {"Oil", "OIL"}, {"WTI", "OIL"}, {"Yen", "USD/JPY"}, {"DXY", "DXY"},
}};

// Currencies by the names headlines give them, longer names first, with
// their ISO codes in the market's quoting order (the base currency of a
// pair is the one that comes first here): EUR, GBP, AUD, NZD, USD, CAD,
// CHF, JPY.
struct CurrencyName {
  std::string_view name;
  std::string_view code;
  int rank;
};
constexpr std::array<CurrencyName, 12> kCurrencyNames = {{
    {"New Zealand Dollar", "NZD", 3}, {"Australian Dollar", "AUD", 2}, {"Canadian Dollar", "CAD", 5},
    {"British Pound", "GBP", 1}, {"Japanese Yen", "JPY", 7}, {"Swiss Franc", "CHF", 6}, {"US Dollar", "USD", 4},
    {"Sterling", "GBP", 1}, {"Pound", "GBP", 1}, {"Franc", "CHF", 6}, {"Euro", "EUR", 0}, {"Yen", "JPY", 7},
}};

// The currency name text starts with, or none.
const CurrencyName* currency_named_at(std::string_view text) {
  for (const CurrencyName& c : kCurrencyNames)
    if (text.starts_with(c.name) &&
        (text.size() == c.name.size() || !is_ascii_alnum(text[c.name.size()])))
      return &c;
  return nullptr;
}

// The cross pair of a headline that leads with one currency and quotes it
// "against" another that is not the dollar ("Euro steadies against the
// British Pound", "Euro holds two-day gains against Yen"): a report on
// EUR/GBP or EUR/JPY, which the leading word alone would read as EUR/USD.
// Empty when the headline names no such counter currency.
std::string cross_pair(std::string_view title, std::string_view leading_name) {
  const CurrencyName* base = currency_named_at(title);
  if (base == nullptr || base->name != leading_name) return {};  // not "US Dollar Index"
  const std::size_t against = title.find(" against ", leading_name.size());
  if (against == std::string_view::npos) return {};
  std::string_view rest = title.substr(against + 9);
  if (rest.starts_with("the ")) rest.remove_prefix(4);
  const CurrencyName* counter = currency_named_at(rest);
  if (counter == nullptr || counter->code == "USD" || counter->code == base->code) return {};
  const CurrencyName* first = base->rank < counter->rank ? base : counter;
  const CurrencyName* second = first == base ? counter : base;
  return std::string(first->code) + "/" + std::string(second->code);
}

std::string leading_asset(std::string_view title) {
  for (const auto& [name, instrument] : kLeadingAssets) {
    if (!title.starts_with(name)) continue;
    const std::string_view rest = title.substr(name.size());
    // "Gold" but not "Goldman" or "Gold-plated", "Euro" but not "Euro zone".
    if (!rest.empty() && (is_ascii_alnum(rest.front()) || rest.front() == '-' || rest.starts_with(" zone") ||
                          rest.starts_with(" Zone")))
      continue;
    std::string cross = cross_pair(title, name);
    return cross.empty() ? std::string(instrument) : cross;
  }
  return {};
}

// The number of an amount written with its magnitude glued on ("2.6b",
// "118bn", "1.9m", "500mn"), as "$2.6 billion" reads "2.6": headlines write
// one amount both ways. Not "k" ("4K" is mostly a screen resolution).
std::string_view amount_number(std::string_view token) {
  std::size_t digits = 0;
  while (digits < token.size() && (is_ascii_digit(token[digits]) || token[digits] == '.')) ++digits;
  if (digits == 0 || token.front() == '.' || token[digits - 1] == '.') return {};
  constexpr std::array<std::string_view, 7> kMagnitudes = {"m", "mn", "b", "bn", "bln", "tn", "trn"};
  const std::string_view suffix = token.substr(digits);
  return std::find(kMagnitudes.begin(), kMagnitudes.end(), suffix) != kMagnitudes.end() ? token.substr(0, digits)
                                                                                          : std::string_view{};
}

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

  // Prose has a word about every six bytes; with the phrases and less the
  // stop words and repeats, an article has about one distinct term per five.
  FeatureBag bag((title.size() + body.size()) / 5);
  // hash64 of every folded token, title then body, for the shingles.
  std::vector<std::uint64_t> token_hashes;
  std::vector<Word> words;
  out.headline_only = body.find_first_not_of(" \t\r\n") == std::string_view::npos;
  const float phrase_weight = out.headline_only ? options_.headline_phrase_weight : options_.phrase_weight;
  auto process = [&](std::string_view text, bool is_title) {
    const float field_weight = is_title ? options_.title_weight : 1.0f;
    const bool phrases = is_title || options_.body_phrases;
    tokenize(text, tokens_);
    const std::vector<Token>& tokens = tokens_.list;
    // Body text is prose in sentence case; only a title can be in Title Case.
    const bool title_case = is_title && is_title_case(tokens_, language);
    words.resize(tokens.size());
    const std::size_t first_hash = token_hashes.size();
    for (const Token& t : tokens) {
      token_hashes.push_back(hash64(tokens_.text(t)));
      stemmer.prefetch(token_hashes.back());
    }
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const Token& t = tokens[i];
      const std::string_view token_text = tokens_.text(t);
      const std::uint64_t token_hash = token_hashes[first_hash + i];
      Word& w = words[i];
      w.kind = t.kind;
      w.name = false;
      w.stem.clear();
      if (t.kind == Token::Kind::kCjk) {
        w.stem = token_text;
      } else if (t.kind == Token::Kind::kNumber) {
        w.stem.push_back('#');
        w.stem.append(token_text);
      } else if (const std::string_view amount = amount_number(token_text); !amount.empty()) {
        w.kind = Token::Kind::kNumber;
        w.stem.push_back('#');
        w.stem.append(amount);
      } else if (t.all_caps && token_text.size() >= 2) {
        w.stem = token_text;  // acronyms ("US", "IT") are not stop words and not stemmed
        w.name = true;
      } else if (token_text.size() >= 2) {
        if (const std::optional<std::string_view> stem = stemmer.content_stem(token_text, token_hash)) {
          w.stem = *stem;
          const bool next_capitalised = i + 1 < tokens.size() && tokens[i + 1].capitalised;
          w.name = !title_case && t.capitalised && (!t.sentence_start || next_capitalised);
        }
      }
      if (!w.stem.empty()) w.hash = hash64(w.stem);
    }
    for (std::size_t i = 0; i < words.size(); ++i) {
      Word& w = words[i];
      if (w.stem.empty()) continue;
      if (w.kind == Token::Kind::kNumber) {
        w.feature = bag.add(w.stem, w.hash, Feature::Kind::kNumber, field_weight * options_.number_weight);
        continue;
      }
      w.feature = bag.add(w.stem, w.hash, w.name ? Feature::Kind::kName : Feature::Kind::kWord,
                          field_weight * (w.name ? options_.name_weight : 1.0f));
      if (!phrases || i + 1 >= words.size() || words[i + 1].stem.empty()) continue;
      const Word& next = words[i + 1];
      if (w.kind == Token::Kind::kCjk || next.kind == Token::Kind::kCjk) continue;
      const bool name_pair = w.name && next.name;
      bag.add_phrase(w, next, name_pair ? Feature::Kind::kName : Feature::Kind::kPhrase,
                     field_weight * phrase_weight * (name_pair ? options_.name_weight : 1.0f));
    }
  };

  process(title, true);
  out.title_shingles = word_shingles(token_hashes, 2);
  process(body, false);
  out.shingles = word_shingles(token_hashes, options_.shingle_words);
  std::string instrument(first_instrument(title));
  if (instrument.empty()) instrument = first_instrument(body);
  if (instrument.empty() && language == Language::kEnglish) instrument = leading_asset(title);
  if (!instrument.empty()) out.instrument = hash64(instrument);
  bag.take(out);
  return out;
}

}  // namespace fcd::text
