#include "cluster/options.hpp"

#include <charconv>
#include <cstdio>
#include <functional>

#include "core/time.hpp"

namespace fcd::cluster {

namespace {

struct Knob {
  std::string_view name;
  std::function<std::optional<std::string>(EngineOptions&, std::string_view)> set;
  std::function<std::string(const EngineOptions&)> get;
};

std::optional<double> parse_number(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string format_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

template <typename T>
Knob number(std::string_view name, T EngineOptions::*field, double low, double high) {
  return {name,
          [field, low, high](EngineOptions& o, std::string_view text) -> std::optional<std::string> {
            auto v = parse_number(text);
            if (!v || *v < low || *v > high)
              return "expects a number in [" + format_number(low) + ", " + format_number(high) + "]";
            o.*field = static_cast<T>(*v);
            return std::nullopt;
          },
          [field](const EngineOptions& o) { return format_number(static_cast<double>(o.*field)); }};
}

template <typename T>
Knob analyzer_number(std::string_view name, T text::AnalyzerOptions::*field, double low, double high) {
  return {name,
          [field, low, high](EngineOptions& o, std::string_view text) -> std::optional<std::string> {
            auto v = parse_number(text);
            if (!v || *v < low || *v > high)
              return "expects a number in [" + format_number(low) + ", " + format_number(high) + "]";
            o.analyzer.*field = static_cast<T>(*v);
            return std::nullopt;
          },
          [field](const EngineOptions& o) { return format_number(static_cast<double>(o.analyzer.*field)); }};
}

// field(options) is the flag's place in the options, const or not.
template <typename Field>
Knob flag(std::string_view name, Field field) {
  return {name,
          [field](EngineOptions& o, std::string_view text) -> std::optional<std::string> {
            if (text != "true" && text != "false") return "expects true or false";
            field(o) = text == "true";
            return std::nullopt;
          },
          [field](const EngineOptions& o) { return std::string(field(o) ? "true" : "false"); }};
}

Knob duration(std::string_view name, core::Duration EngineOptions::*field) {
  return {name,
          [field](EngineOptions& o, std::string_view text) -> std::optional<std::string> {
            auto d = core::parse_duration(text);
            if (!d) return "expects a duration such as 72h or 90m";
            o.*field = *d;
            return std::nullopt;
          },
          [field](const EngineOptions& o) { return core::format_duration(o.*field); }};
}

const std::vector<Knob>& knobs() {
  static const std::vector<Knob> list = {
      analyzer_number("analyzer.title_weight", &text::AnalyzerOptions::title_weight, 0, 100),
      analyzer_number("analyzer.name_weight", &text::AnalyzerOptions::name_weight, 0, 100),
      analyzer_number("analyzer.number_weight", &text::AnalyzerOptions::number_weight, 0, 100),
      analyzer_number("analyzer.phrase_weight", &text::AnalyzerOptions::phrase_weight, 0, 100),
      analyzer_number("analyzer.headline_phrase_weight", &text::AnalyzerOptions::headline_phrase_weight, 0, 100),
      flag("analyzer.body_phrases", [](auto& o) -> auto& { return o.analyzer.body_phrases; }),
      analyzer_number("analyzer.shingle_words", &text::AnalyzerOptions::shingle_words, 1, 16),
      duration("window", &EngineOptions::window),
      duration("df_half_life", &EngineOptions::df_half_life),
      number("prior_documents", &EngineOptions::prior_documents, 0, 1e9),
      number("max_terms", &EngineOptions::max_terms, 1, 1000),
      number("index_terms", &EngineOptions::index_terms, 1, 1000),
      number("max_story_terms", &EngineOptions::max_story_terms, 1, 1e6),
      number("max_postings_scan", &EngineOptions::max_postings_scan, 1, 1e9),
      number("max_candidate_stories", &EngineOptions::max_candidate_stories, 1, 1e9),
      number("duplicate_jaccard", &EngineOptions::duplicate_jaccard, 0, 1),
      number("duplicate_min_shingles", &EngineOptions::duplicate_min_shingles, 1, 1e6),
      number("duplicate_title_jaccard", &EngineOptions::duplicate_title_jaccard, 0, 1),
      number("duplicate_title_cosine", &EngineOptions::duplicate_title_cosine, 0, 1),
      number("centroid_share", &EngineOptions::centroid_share, 0, 1),
      number("support_bonus", &EngineOptions::support_bonus, 0, 10),
      number("support_cosine", &EngineOptions::support_cosine, 0, 1),
      number("join_threshold_pair", &EngineOptions::join_threshold_pair, 0, 10),
      number("join_threshold_large", &EngineOptions::join_threshold_large, 0, 10),
      number("corroborated_pair_relief", &EngineOptions::corroborated_pair_relief, 0, 10),
      number("min_shared_terms", &EngineOptions::min_shared_terms, 0, 255),
      duration("time_grace", &EngineOptions::time_grace),
      duration("time_scale", &EngineOptions::time_scale),
      number("long_gap_floor", &EngineOptions::long_gap_floor, 0, 1),
      number("long_gap_terms", &EngineOptions::long_gap_terms, 0, 1000),
      number("long_gap_cosine", &EngineOptions::long_gap_cosine, 0, 1),
      number("merge_every", &EngineOptions::merge_every, 0, 1e9),
      number("merge_threshold", &EngineOptions::merge_threshold, 0, 10),
      number("merge_top_terms", &EngineOptions::merge_top_terms, 1, 1000),
      flag("market_instruments", [](auto& o) -> auto& { return o.market_instruments; }),
      flag("headline_frequencies_by_story", [](auto& o) -> auto& { return o.headline_frequencies_by_story; }),
      number("url_slug_weight", &EngineOptions::url_slug_weight, 0, 100),
  };
  return list;
}

}  // namespace

std::optional<std::string> set_option(EngineOptions& options, std::string_view key, std::string_view value) {
  for (const Knob& knob : knobs())
    if (knob.name == key) {
      if (auto error = knob.set(options, value)) return "cluster option " + std::string(key) + ": " + *error;
      return std::nullopt;
    }
  return "unknown cluster option " + std::string(key);
}

std::vector<std::pair<std::string, std::string>> describe_options(const EngineOptions& options) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Knob& knob : knobs()) out.emplace_back(knob.name, knob.get(options));
  return out;
}

}  // namespace fcd::cluster
