#pragma once
// Pure translations between the modules' values, so the run loop only moves
// data: config sources -> store specs, parsed entries -> stored articles,
// stored articles -> clusterer input, clusterer decisions -> a store batch.
#include <unordered_map>
#include <vector>

#include "cluster/engine.hpp"
#include "config/config.hpp"
#include "feed/feed.hpp"
#include "fetch/fetcher.hpp"
#include "fetch/policy.hpp"
#include "fetch/types.hpp"
#include "store/types.hpp"

namespace fcd::service {

// The fetcher's options from [fetch].
fetch::FetcherOptions fetcher_options(const config::Config& config);

// The poll policy from [polling] and [fetch]: the backoff cap and the grace
// period of a permanent redirect.
fetch::PollPolicy poll_policy(const config::Config& config);

// The parser's limits from [parse].
feed::ParseLimits parse_limits(const config::Config& config);

// Config-listed sources as the store syncs them; disabled entries are left out
// (so the sync disables them).
std::vector<store::SourceSpec> source_specs_from_config(const std::vector<config::SourceSettings>& sources);

// The conditional GET for a claimed source: its validators and the hash of
// the body it last parsed (an identical body is then not parsed again).
fetch::FetchRequest fetch_request(const store::ClaimedSource& source);

// What the poll policy needs to know about a claimed source; a source without
// its own interval uses default_interval.
fetch::SourcePollState poll_state(const store::ClaimedSource& source, core::Duration default_interval);

// The source's new fetch state from one poll's result and the policy's
// decision (whose error and next_poll_at the caller may have revised after
// parsing). feed: what the body was read as, or nullptr when it was not
// parsed or is no feed. A feed's body hash is kept, so an identical body is
// skipped next time (a body that failed to parse keeps failing instead of
// passing as "unchanged"), and a feed that parsed with recovered errors
// (bozo, items kept) is recorded as a warning: "warning: " and its first
// problem.
store::FetchOutcome fetch_outcome(const fetch::FetchResult& result, const fetch::PollDecision& decision,
                                  const feed::ParsedFeed* feed);

// last_error for a 2xx body that is not a feed: says what came back, and for
// an HTML page the feeds it links with <link rel="alternate"> (the URL to use
// instead), e.g. "HTML page, not a feed; it links to feeds: URL1, URL2".
std::string not_a_feed_error(const fetch::FetchResult& result, const feed::ParsedFeed& parsed);

// One stored article per parsed entry, with its canonical URL.
std::vector<store::ArticleInput> articles_from_feed(const feed::ParsedFeed& feed);

// A committed article as the clusterer sees it; source_name identifies the outlet.
cluster::Article cluster_article(const store::PendingArticle& article);

// Keeps the clusterer's story ids and the database's apart: the engine numbers
// stories itself, the database assigns the stable ids downstream apps see.
// Entries of stories the engine no longer holds are forgotten as the map
// grows, so it is bounded by the stories in the window, not by every story
// ever founded (a daemon that runs for months founds millions).
class StoryIdMap {
 public:
  std::optional<core::StoryId> database_id(core::StoryId engine_story) const;
  void remember(core::StoryId engine_story, core::StoryId database_story);

  // Forgets the stories engine no longer holds (they left its window or were
  // merged away; the engine never reuses an id, so no later decision names
  // them), once the map has doubled since the last time: a pass costs O(map)
  // and the map stays within twice the stories the engine holds. Call it
  // only after the decisions naming those stories have been written.
  void forget_gone(const cluster::Engine& engine);
  std::size_t size() const { return ids_.size(); }

 private:
  // Below this many entries a pass is not worth its cost.
  static constexpr std::size_t kMinForgetPass = 1024;

  std::unordered_map<core::StoryId, core::StoryId> ids_;
  std::size_t next_forget_pass_ = kMinForgetPass;  // map size that triggers the next pass
};

// Turns decisions into one store batch: a StoryWrite (key = the engine's story
// id) for every story a decision touches, one MembershipWrite per decision,
// a MergeWrite per merge event. change_seq of each article comes from pending.
store::ClusterBatch cluster_batch(const std::vector<cluster::Decision>& decisions,
                                  const std::unordered_map<core::ArticleId, std::int64_t>& change_seqs,
                                  const cluster::Engine& engine, const StoryIdMap& ids);

}  // namespace fcd::service
