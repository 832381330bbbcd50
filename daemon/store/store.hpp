#pragma once
// fcd_store: the daemon's PostgreSQL memory and the public schema.
//
// A Store owns ONE database connection. It is not thread-safe: use one Store
// per thread (the daemon's database threads each own one). Every method runs
// on the calling thread and blocks; each write method is one transaction that
// commits completely or not at all.
//
// Errors: every failure is a StoreError (store/error.hpp) with the SQLSTATE and
// context. When StoreError::connection_lost() is true the Store is unusable
// until reconnect() succeeds; the daemon backs off (see next_backoff) and
// retries, re-polling anything that was not committed.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "store/error.hpp"
#include "store/types.hpp"

namespace fcd::store {

struct StoreOptions {
  std::string url;  // libpq URL or keyword/value string; never logged unredacted
  // Recorded on the sources this instance holds; default_instance_id() if empty.
  std::string instance_id;
  // A published_at further than this after first_seen_at is not used for sort_at.
  core::Duration future_tolerance{15 * 60};
  // Identity drift only matches stored items first seen within this window.
  core::Duration drift_window{30 * 24 * 3600};
};

// "<hostname>:<pid>".
std::string default_instance_id();

// The highest migration compiled into this binary.
int known_schema_version();

// Exponential backoff with a cap for reconnect attempt n (0-based):
// 500ms, 1s, 2s ... capped at max. Pure; the caller sleeps.
std::chrono::milliseconds next_backoff(int attempt, std::chrono::milliseconds max = std::chrono::milliseconds{30000});

// A decision's score as articles.cluster_score (a real) can hold it: finite,
// within float range, and 0 where it decays below float precision (1e-175
// would be out of range); NaN is 0, infinities the largest float.
double storable_score(double score);

class Store {
 public:
  // Connects; throws StoreError (retryable when the server is unreachable).
  explicit Store(StoreOptions options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& instance_id() const noexcept;

  // Drops the connection (and with it the clusterer lock, if held) and opens a
  // new one. Throws StoreError when the server is still unreachable.
  void reconnect();
  // False once a call failed with connection_lost().
  bool is_connected() const;

  // ---- Schema -------------------------------------------------------------
  // Applies the compiled-in migrations the database lacks, in order, each in
  // its own transaction, under an advisory lock (concurrent migrate() calls
  // wait). Throws SchemaTooNewError when the database is newer than the binary.
  MigrationReport migrate();
  // The database's version: 0 when never migrated.
  int schema_version();
  // Throws SchemaTooNewError / SchemaMismatchError unless the database is at
  // known_schema_version().
  void require_current_schema();

  // ---- Sources ------------------------------------------------------------
  // Makes config-origin sources match specs (origin of specs is ignored):
  // adds new URLs, updates changed title/interval/tags, re-enables those a
  // previous sync disabled, disables config sources no longer listed (never
  // deletes them, so their articles stay). OPML/CLI sources are not touched,
  // even when their URL is listed (counted as skipped). One transaction.
  SyncCounts sync_config_sources(const std::vector<SourceSpec>& specs);
  // Adds sources from OPML or the CLI; an existing URL (any origin) is
  // updated instead: title and interval when given, tags merged. Its origin
  // and enabled state are kept. One transaction.
  UpsertCounts upsert_sources(const std::vector<SourceSpec>& specs, SourceOrigin origin);
  std::vector<SourceRow> list_sources();
  // enabled=false marks the source disabled by the user (a config sync does
  // not re-enable it); enabled=true clears that and a 'gone' (410) disabling.
  // False when the URL is unknown.
  bool set_source_enabled(const std::string& url, bool enabled);
  // Deletes the source AND its articles; stories left empty are deleted (a
  // 'deleted' event each, cause source_removed), the counts of the others
  // recomputed ('shrank'); copies elsewhere lose their duplicate_of.
  // To keep the articles, disable the source instead.
  RemoveResult remove_source(const std::string& url);

  // ---- Leases -------------------------------------------------------------
  // A lease is in force while it has not expired AND the instance that took
  // it is alive: every connection of a Store holds a session-level advisory
  // lock whose key is random per process and instance id (session_key below),
  // the lease records that key, and the server drops the lock with the
  // process's last session. So a crashed instance's leases are free at once,
  // also for a restart with the same instance id (sql/0008_lease_liveness.sql).
  //
  // Claims up to limit enabled sources due at now (next_poll_at <= now or never
  // polled) whose lease is not in force, with FOR UPDATE SKIP LOCKED, and
  // leases them to this instance until now + lease. Concurrent claimers never
  // get the same source.
  std::vector<ClaimedSource> claim_due_sources(core::TimePoint now, core::Duration lease, std::size_t limit);
  // Claims one enabled source by URL, due or not, unless another instance
  // holds its lease (poll-once --source). nullopt when unknown, disabled or held.
  std::optional<ClaimedSource> claim_source(const std::string& url, core::TimePoint now, core::Duration lease);
  // The sources whose lease is in force at now for another live instance
  // (another process, or another instance id): the ones this instance cannot
  // claim. In id order.
  std::vector<HeldLease> leases_held_elsewhere(core::TimePoint now);
  // How many sources there are, enabled, due at now, leased and failing, from
  // one snapshot.
  SourceCounts count_sources(core::TimePoint now);
  // Makes enabled sources due at now: all of them, or the one with this URL
  // (poll-once --all). Returns how many.
  int make_due(const std::optional<std::string>& url, core::TimePoint now);
  // Extends a held lease; false when it is no longer ours.
  bool renew_lease(core::SourceId source, core::TimePoint now, core::Duration lease);
  // Gives back a held lease without polling: the source is next due at
  // next_poll_at, its fetch state unchanged (a source of a host that asked
  // us to wait). False when the lease is no longer ours.
  bool defer_poll(core::SourceId source, core::TimePoint next_poll_at);
  // Gives back every lease this instance holds (on shutdown, for polls that
  // will not be committed), so other instances need not wait for expiry.
  // Returns how many.
  int release_leases();

  // ---- Ingest -------------------------------------------------------------
  // Commits one poll of a source held by this instance: the items (inserted,
  // updated in place, or unchanged; identity drift detected) and the source's
  // new fetch state, then releases the lease — all in one transaction.
  // Items with a guid repeated in the same poll count once (the first wins).
  // Throws LeaseLostError (nothing written) when the lease is no longer ours.
  // After a connection_lost() error the poll may or may not have committed;
  // calling commit_poll again after reconnect() is safe either way: it commits
  // now, or throws LeaseLostError because the first attempt did (and released
  // the lease) — the items are stored exactly once. The commit does not wait
  // for the WAL flush (synchronous_commit off): a server crash may lose the
  // last moments of polls, which are then simply polled again.
  // outcome.gone disables the source (disabled_by 'gone'); outcome.new_url
  // moves it (the old URL appended to url_history) unless another source has
  // that URL; the body hash and pending redirect are stored as given.
  // An item of a story changed in place (any stored field, or its identity
  // drifted) records an 'article_updated' event for that story and moves its
  // last_updated, in the same transaction.
  IngestReport commit_poll(core::SourceId source, const std::vector<ArticleInput>& items,
                           const FetchOutcome& outcome, core::TimePoint now);

  // ---- Clustering ---------------------------------------------------------
  // Tries to become the one clusterer (session advisory lock, non-blocking).
  // The lock lives as long as this connection: when the holder dies or loses
  // its connection, another instance's next try succeeds.
  bool try_acquire_clusterer_lock();
  void release_clusterer_lock();
  bool holds_clusterer_lock() const noexcept;
  // Committed articles not yet clustered (new, or their text changed), in
  // change_seq order, after after_seq. Nothing is ever skipped: an article
  // stays pending until a decision for its current change is written, so a
  // clusterer that stops anywhere resumes by reading from 0. after_seq only
  // pages through articles whose decisions are not written yet: an ingest
  // that commits late can carry a lower change_seq than one already read, and
  // shows up on the next read from 0.
  std::vector<PendingArticle> pending_articles(std::int64_t after_seq, std::size_t limit);
  // Calls visit for every article with sort_at >= since, in (sort_at, id)
  // order, from one snapshot: the clusterer's window, to rebuild its state on
  // taking the lock (kClustered: only articles already placed) or to
  // recluster it (kAll). Returns how many.
  std::size_t for_each_article_since(core::TimePoint since, WindowArticles which,
                                     const std::function<void(PendingArticle&&)>& visit);
  // The sort_at of the newest placed article: the clusterer's clock, which
  // runs on article time. nullopt when nothing is placed yet.
  std::optional<core::TimePoint> newest_placed_article_time();
  // Writes the clusterer's decisions in one transaction: new stories, article
  // memberships (story, duplicate_of, level, score, terms), merges; a story
  // left with no article by re-placed ones is merged into the story that took
  // most of them; recomputes the touched stories' counts; records an event
  // per visible change (created, grew, shrank, merged, headline_changed,
  // terms_changed, article_updated for a member re-placed in its story
  // differently, deleted) stamped change_time(now), moves those stories'
  // last_updated, and sends one NOTIFY feedclusterd_stories with the batch's
  // event ids (delivered on commit). Throws NotClustererError unless the
  // clusterer lock is held. A membership's score is stored as
  // storable_score(score).
  ClusterWriteResult write_cluster_batch(const ClusterBatch& batch, core::TimePoint now);
  // Sets these articles aside (cluster_set_aside, with their reason and this
  // binary's version): each is no longer pending unless its text changed
  // since change_seq. Placing an article later removes its record. Throws
  // NotClustererError unless the clusterer lock is held. Returns how many
  // were set aside.
  int set_aside(const std::vector<SetAside>& articles, core::TimePoint now);
  // Offers again the articles a binary of another version set aside (a fix
  // may have shipped): pending again, their records removed. Throws
  // NotClustererError unless the clusterer lock is held. Returns how many.
  int requeue_set_aside_of_other_versions();
  // How many articles wait for the clusterer and how many are set aside.
  ClusteringBacklog clustering_backlog();

  // ---- Reading (for the CLI; apps use the SQL views) -----------------------
  // The live stories with the newest activity first (the latest_stories view).
  std::vector<StorySummary> latest_stories(std::size_t limit);
  // A story's articles in sort_at order (the story_coverage view).
  std::vector<CoverageRow> story_coverage(core::StoryId story);
  // A round trip to the server; throws StoreError when it is unreachable.
  void ping();

  // ---- Retention ----------------------------------------------------------
  // Deletes up to batch_size articles first seen before cutoff, and stories
  // this leaves empty ('deleted' events, cause retention); recomputes the
  // others' counts ('shrank'). One small transaction:
  // call repeatedly (off the hot path) until articles_deleted == 0.
  RetentionResult delete_articles_before(core::TimePoint cutoff, std::size_t batch_size);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fcd::store
