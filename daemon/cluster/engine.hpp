#pragma once
// The online dedup and story clustering engine.
//
// Fed articles one at a time in arrival order, it decides for each: an update
// of an article it already has (same id: re-placed, never a second member), a
// duplicate (same canonical URL, then near-identical text; duplicate_of is the
// earliest copy and the duplicate joins that copy's story), or a member of a
// story (joined or founded), each with its reason. Story events say what
// changed (created, grew, merged into an older story, headline changed).
//
// State covers only the sliding window of article time; memory is bounded by
// the number of articles in it (see Stats). Deterministic: the same articles in
// the same order give the same decisions, so rebuild() after a restart gives
// back the same stories.
//
// Not thread-safe: one engine is driven by one thread (the elected writer).
// Never throws on bad input: missing fields make weaker evidence, not errors.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cluster/options.hpp"
#include "core/types.hpp"

namespace fcd::cluster {

struct Article {
  core::ArticleId id = 0;
  std::string source;         // source name or id; used to prefer originals and for counts
  std::string url;
  std::string canonical_url;  // url::canonicalize(url), trusted as given; empty: derived from url
  std::string title;
  std::string text;           // summary or plain-text body
  std::optional<core::TimePoint> published;  // missing: the newest time seen so far
  std::string language;       // ISO 639-1 code; empty: detected
};

struct StoryEvent {
  enum class Kind { kCreated, kGrew, kMerged, kHeadlineChanged };
  Kind kind = Kind::kCreated;
  core::StoryId story = 0;
  core::StoryId merged_into = 0;  // kMerged: the older story that absorbed this one
  std::string headline;           // kCreated, kHeadlineChanged: the new headline
};

struct Decision {
  enum class Placement { kFounded, kJoined, kDuplicate };
  core::ArticleId article = 0;
  core::StoryId story = 0;
  std::optional<core::ArticleId> duplicate_of;
  Placement placement = Placement::kFounded;
  bool update = false;  // the article id was already placed; this re-placed it
  // Why: for kJoined the story score and the bar it passed (a same-day report
  // on the story's market instrument, such as EUR/USD, joins even under the
  // bar); for kDuplicate the similarity (1 for a canonical URL match); for
  // kFounded the best score seen.
  double score = 0;
  double threshold = 0;
  std::vector<std::string> matched_terms;  // heaviest shared terms, most telling first
  std::vector<StoryEvent> events;          // in order; merges from a merge pass included
};

struct Stats {
  std::size_t articles = 0;      // in the window
  std::size_t stories = 0;       // with at least one article in the window
  std::size_t postings = 0;      // inverted index entries
  std::size_t vocabulary = 0;    // terms with a document frequency
  std::size_t state_bytes = 0;   // estimate of heap bytes held, from container sizes
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  // Places one article. Runs a merge pass every options.merge_every articles;
  // its events are part of the returned decision.
  Decision add(const Article& article);

  // Runs a merge pass now (e.g. at the end of a batch) and returns its events.
  std::vector<StoryEvent> merge_pass();

  // Forgets everything and feeds articles in (published, id) order, as after a
  // restart from the stored window. Returns the decisions in that order, with
  // a final merge pass's events on the last one.
  std::vector<Decision> rebuild(std::span<const Article> articles);

  // Current story of an article still in the window, and a story's headline.
  std::optional<core::StoryId> story_of(core::ArticleId article) const;
  std::optional<std::string> headline(core::StoryId story) const;
  // False once a story has left the window or was merged away (ids are never reused).
  bool holds_story(core::StoryId story) const;

  Stats stats() const;
  const EngineOptions& options() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace fcd::cluster
