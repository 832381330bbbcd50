#pragma once
// The clusterer's side of the pipeline: reads committed, not yet clustered
// articles in commit order, feeds them to the engine and writes its decisions
// back, batch by batch, so it can stop and resume anywhere.
//
// Only the instance holding the clusterer advisory lock runs it. The lock lives
// on this object's own connection; a Clusterer is driven by one thread at a time.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "cluster/engine.hpp"
#include "config/config.hpp"
#include "service/mapping.hpp"
#include "store/store.hpp"

namespace fcd::service {

class ClustererBusyError : public std::runtime_error {
 public:
  ClustererBusyError()
      : std::runtime_error("another feedclusterd instance holds the clusterer lock; stop it (systemctl stop feedclusterd) and retry") {}
};

struct ClusterStepResult {
  bool holds_lock = false;
  std::size_t restored = 0;       // window articles replayed on taking the lock
  std::size_t requeued = 0;       // set aside by another version, offered again on taking the lock
  std::size_t articles = 0;       // clustered in this step
  // Articles of this step the engine or the write could not handle: set
  // aside in the store with their reason; the others were placed.
  std::vector<store::SetAside> set_aside;
  // After the step (read whether or not this instance holds the lock).
  store::ClusteringBacklog backlog;
  // Where the step's time went: reading pending articles (and replaying the
  // window), the engine, writing decisions (and counting the backlog).
  std::chrono::steady_clock::duration read_time{}, engine_time{}, write_time{};
  std::size_t stories_created = 0;
  std::size_t stories_merged = 0;
  // The engine's window after the step, while holding the lock: what its
  // memory grows with (articles in cluster.window of article time).
  cluster::Stats window;
};

struct ReclusterResult {
  std::size_t articles = 0;        // placed again
  std::vector<store::SetAside> set_aside;  // could not be placed (stored with the reason)
  std::size_t stories = 0;         // live stories they now form
  std::size_t stories_created = 0; // new story ids
  std::size_t stories_merged = 0;  // old ids now merged into another
};

// The engine's options from [cluster]: window, then each [cluster.tuning] knob
// by its cluster::set_option name. Throws config::ConfigError naming the file,
// line and key of an unknown knob or a bad value.
cluster::EngineOptions cluster_engine_options(const config::Config& config);

// After a rebuild the engine numbers stories afresh: each engine story takes
// the stored story most of its members were in (ties: the older one), each
// stored story going to one engine story at most, largest first. Input: one
// (engine story, stored story) pair per rebuilt article.
StoryIdMap adopt_stored_story_ids(const std::vector<std::pair<core::StoryId, core::StoryId>>& placements);

// Whether a failed write may be the fault of some articles of the batch (their
// data: out of range, a constraint, a trigger's check) rather than of the
// database or the connection: only then is the batch split to find them.
bool could_be_the_articles(const store::StoreError& error);

class Clusterer {
 public:
  // How one article is placed: Engine::add, unless a caller wraps it (tests
  // make it fail for chosen articles).
  using Placer = std::function<cluster::Decision(cluster::Engine&, const cluster::Article&)>;

  Clusterer(store::StoreOptions store_options, cluster::EngineOptions engine_options, std::size_t batch_size,
            Placer placer = nullptr);

  // One step: (re)connects and tries to take the lock when needed, then
  // clusters up to batch_size pending articles. No article holds back the
  // others: one the engine throws on, or whose write fails (a batch that fails
  // is split until the failing articles are isolated), is set aside with the
  // reason, and the engine is rebuilt from the stored window before the next
  // step. Throws store::StoreError when the database fails (not an article);
  // after a lost connection the next step reconnects (and must win the lock
  // again); after a failed write it rebuilds the engine first.
  ClusterStepResult step(core::TimePoint now);

  // What waits, counted now (after a failed step); the last count when the
  // database does not answer.
  store::ClusteringBacklog backlog();

  // Places every article with sort_at >= since again with a fresh engine (after
  // tuning), in one pass in (sort_at, id) order, and writes the result in
  // batches. Stories keep their ids where the majority of their members
  // stay together; a story left empty is merged into where its articles went.
  // Throws ClustererBusyError when another instance holds the lock.
  ReclusterResult recluster(core::TimePoint since, core::TimePoint now);

  // Gives up the lock and the connection (shutdown).
  void release();

 private:
  void connect();
  // Replays the window's already placed articles into a fresh engine, so new
  // articles can join the stories stored before a restart or a failover.
  std::size_t restore_window(core::TimePoint now);
  // The backlog after a step: counted, or while batches come full and the
  // last count is recent, estimated from it and the articles handled since.
  store::ClusteringBacklog count_backlog(bool batch_was_full, std::size_t handled);
  // Places the articles with the engine; one it throws on goes to set_aside.
  template <class Visit>
  void place(const store::PendingArticle& article, std::vector<store::SetAside>& set_aside, Visit&& placed);
  // Writes one batch of decisions, remembers the database ids of new stories
  // and counts the created and merged-away ones.
  void write(std::span<const cluster::Decision> decisions,
             const std::unordered_map<core::ArticleId, std::int64_t>& change_seqs, core::TimePoint now,
             std::size_t& stories_created, std::size_t& stories_merged);
  // write(), splitting a batch that fails through an article's fault until
  // each such article is alone; those go to set_aside, the rest is written.
  void write_isolating(std::span<const cluster::Decision> decisions,
                       const std::unordered_map<core::ArticleId, std::int64_t>& change_seqs, core::TimePoint now,
                       std::size_t& stories_created, std::size_t& stories_merged,
                       std::vector<store::SetAside>& set_aside);

  store::StoreOptions store_options_;
  cluster::Engine engine_;
  std::size_t batch_size_;
  Placer placer_;
  std::unique_ptr<store::Store> store_;
  store::ClusteringBacklog backlog_;
  std::chrono::steady_clock::time_point backlog_counted_at_{};
  StoryIdMap story_ids_;
  // False until the engine is rebuilt from the stored window: on taking the
  // lock, and after a batch whose write failed (the engine then holds
  // decisions the database does not).
  bool engine_matches_store_ = false;
};

}  // namespace fcd::service
