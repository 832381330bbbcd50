#pragma once
// Every knob of the clustering engine, with the defaults that the evaluation
// (bench/cluster-eval) was run with. The service maps these to [cluster] keys.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/types.hpp"
#include "text/analyzer.hpp"

namespace fcd::cluster {

struct EngineOptions {
  text::AnalyzerOptions analyzer;

  // Articles older than this (in article time, behind the newest seen) leave
  // the window: their state is freed and no new article can join them.
  core::Duration window = std::chrono::hours(72);
  // Document frequencies decay with this half-life in article time.
  core::Duration df_half_life = std::chrono::hours(24);
  // Weight of the compiled-in document-frequency prior (text/df_prior.hpp),
  // in documents: until the engine has counted about this many of its own,
  // the prior tells it which words are common. 0: learned frequencies only,
  // which make every word of a fresh engine's first articles look common.
  double prior_documents = 50;
  // A headline-only article counts in the document frequencies only the
  // words its story did not hold yet, so a term's frequency counts stories
  // more than copies: an aggregator repeating one story in hundreds of
  // headlines would make the story's own names look common. Articles with a
  // body count every word. Off: every article counts every word.
  // (bench/cluster/README.md, "Evidence behind the defaults")
  bool headline_frequencies_by_story = true;
  // Weight of each word of a headline-only article's URL slug that its
  // title lacks (a title word weighs analyzer.title_weight, a body word 1);
  // a title cut short ("...") gives them the title's weight, as the slug
  // then mostly holds the rest of the headline. 0: URLs are only compared
  // whole, for duplicates.
  double url_slug_weight = 1.0;
  // Terms kept per article vector (heaviest TF-IDF weights); bounds memory.
  std::size_t max_terms = 20;
  // Terms of each article entered in the inverted index (its heaviest);
  // a new article still queries with all max_terms. Bounds index memory.
  std::size_t index_terms = 16;
  // Terms kept in a story's centroid sum (its heaviest); bounds the memory
  // of a story with many members.
  std::size_t max_story_terms = 256;
  // Only the newest entries of a term's posting list are scanned; terms that
  // common weigh little and would otherwise make candidate search quadratic.
  std::size_t max_postings_scan = 32;
  // Candidate stories scored in full (centroid, support, time) per article:
  // those whose best-matching member scores highest. Bounds the cost of an
  // article that shares common terms with hundreds of stories.
  std::size_t max_candidate_stories = 8;

  // Level 2, duplicates. Body text: estimated shingle Jaccard at least this.
  double duplicate_jaccard = 0.7;
  // Texts with fewer shingles than this are judged by title instead.
  std::size_t duplicate_min_shingles = 12;
  // Headline-only: title 2-shingle Jaccard and TF-IDF cosine both at least these.
  double duplicate_title_jaccard = 0.8;
  double duplicate_title_cosine = 0.8;

  // Level 3, stories. score = centroid_share * cos(article, centroid)
  //                         + (1 - centroid_share) * best member cosine
  //                         + support_bonus * (share of the story's members with cosine >= support_cosine)
  double centroid_share = 0.72;
  double support_bonus = 0.1;
  double support_cosine = 0.12;
  // The bar to join a story of n members: join_threshold_large +
  // (join_threshold_pair - join_threshold_large) / n. A lone article needs
  // pairwise evidence; a story with many members is judged by its centroid.
  // The large-story bar offsets headline_frequencies_by_story, which makes
  // articles score higher against big stories.
  // (bench/cluster/README.md, "Evidence behind the defaults")
  double join_threshold_pair = 0.3;
  double join_threshold_large = 0.15;
  // A lone story's bar is this much lower for an article without a body
  // (fewer than duplicate_min_shingles words of one) that shares at least two
  // terms with it: two short headlines sharing two words have a low cosine,
  // and two words in common are better evidence than that cosine says.
  // (bench/cluster/README.md, "Evidence behind the defaults")
  double corroborated_pair_relief = 0.06;
  // At least this many terms shared with the best-matching member.
  std::size_t min_shared_terms = 1;
  // Time decay: no penalty within time_grace of the story's span, then the
  // score falls by exp(-excess / time_scale). A day past the grace costs a
  // story most of its score: news events run their course within a day or
  // two, and a slower decay chains a recurring topic's separate events.
  // (bench/cluster/README.md, "Evidence behind the defaults")
  core::Duration time_grace = std::chrono::hours(12);
  core::Duration time_scale = std::chrono::hours(12);
  // A report with a body that matches one of a story's members closely
  // (cosine at least long_gap_cosine, sharing at least long_gap_terms
  // terms) keeps at least long_gap_floor of its score however long ago that
  // story was last reported in the window: a summit announced on Monday and
  // held on Friday is one event, and two reports that share its names,
  // place and wording say so whatever the gap. A topic's daily stories
  // (a war's strikes, a market's moves) share words with each other, not
  // such close matches, and still close after a quiet day. Headline-only
  // items and market reports never qualify: a few words are not specific
  // enough, and a market report is one day's event by definition.
  double long_gap_cosine = 0.4;
  std::size_t long_gap_terms = 3;
  double long_gap_floor = 0.75;

  // Converged stories merge: every merge_every articles, stories that changed
  // are compared by centroid cosine with stories sharing their top terms.
  std::size_t merge_every = 200;
  double merge_threshold = 0.23;
  std::size_t merge_top_terms = 8;

  // Market instruments ("EUR/USD", "XAU/USD"): stories of different ones
  // never join or merge, and a same-day report on a story's instrument joins
  // it whatever its wording. Off: instruments are words like any other.
  bool market_instruments = true;
};

// Sets one knob by its name as in the struct ("join_threshold_pair",
// "analyzer.title_weight"; durations as "72h", "90m"; booleans true/false).
// Returns an error message for an unknown key or a malformed or out-of-range
// value, leaving options unchanged then. For config files and offline tuning.
std::optional<std::string> set_option(EngineOptions& options, std::string_view key, std::string_view value);

// Every knob with its current value, in declaration order, as set_option reads them.
std::vector<std::pair<std::string, std::string>> describe_options(const EngineOptions& options);

}  // namespace fcd::cluster
