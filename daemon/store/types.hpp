#pragma once
// Plain values exchanged with the store. No database types appear here.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/types.hpp"

namespace fcd::store {

// ---- Migrations -------------------------------------------------------------

struct AppliedMigration {
  int version = 0;
  std::string name;  // "0001_initial_schema"
};

struct MigrationReport {
  int from_version = 0;  // schema version before migrate()
  int to_version = 0;    // after
  std::vector<AppliedMigration> applied;  // empty when it was a no-op
};

// ---- Sources ----------------------------------------------------------------

enum class SourceOrigin { kConfig, kOpml, kCli };

// "config", "opml", "cli".
const char* to_string(SourceOrigin origin);
std::optional<SourceOrigin> parse_source_origin(std::string_view text);

struct SourceSpec {
  std::string url;
  std::optional<std::string> title;
  std::optional<core::Duration> interval;  // nullopt: the configured default
  std::vector<std::string> tags;
  SourceOrigin origin = SourceOrigin::kConfig;
};

struct SyncCounts {
  int added = 0;
  int updated = 0;     // title, interval or tags changed
  int disabled = 0;    // config sources no longer listed
  int reenabled = 0;   // listed again after having been disabled by a sync
  int unchanged = 0;
  int skipped = 0;     // listed, but the URL belongs to an OPML/CLI source
};

struct UpsertCounts {
  int added = 0;
  int updated = 0;
  int unchanged = 0;
};

struct SourceRow {
  core::SourceId id = 0;
  std::string url;
  std::optional<std::string> title;
  std::vector<std::string> tags;
  SourceOrigin origin = SourceOrigin::kConfig;
  bool enabled = true;
  std::optional<std::string> disabled_by;  // "sync", "user" or "gone" (410) when disabled
  std::optional<core::Duration> interval;
  std::optional<core::TimePoint> next_poll_at;  // nullopt: never polled, due now
  std::optional<core::TimePoint> last_polled_at;
  std::optional<core::TimePoint> last_success_at;
  std::optional<int> last_status;
  std::optional<std::string> last_error;
  int error_count = 0;
  std::optional<std::string> lease_owner;
  std::optional<core::TimePoint> lease_expires_at;
  // The lease is in force now: not expired, and its holder's session is alive.
  bool lease_held = false;
  std::int64_t drift_count = 0;
};

struct RemoveResult {
  bool found = false;
  std::int64_t articles_deleted = 0;
  std::int64_t stories_deleted = 0;  // stories left empty by the removal
};

// ---- Leases and ingest ------------------------------------------------------

// A permanent redirect target seen but not adopted yet.
struct PendingRedirect {
  std::string url;
  core::TimePoint first_seen;
  bool operator==(const PendingRedirect&) const = default;
};

// A due source this instance now holds until lease_expires_at.
struct ClaimedSource {
  core::SourceId id = 0;
  std::string url;
  std::optional<std::string> etag;
  std::optional<std::string> last_modified;
  std::optional<std::uint64_t> body_hash;  // of the last parsed body
  std::optional<PendingRedirect> pending_redirect;
  std::optional<core::Duration> interval;
  int error_count = 0;
  core::TimePoint lease_expires_at;
};

// A file attached to an item (RSS enclosure, Atom enclosure link).
struct ArticleEnclosure {
  std::string url;
  std::string type;                    // empty when not given
  std::optional<std::int64_t> length;  // bytes, when given
};

// A source whose lease another live instance holds (it is not claimable here).
struct HeldLease {
  core::SourceId source = 0;
  std::string url;
  std::string owner;  // the holder's instance id
  core::TimePoint expires_at;
};

// The sources as the database counts them at one moment (the daemon's gauges).
struct SourceCounts {
  std::int64_t total = 0, enabled = 0;
  std::int64_t due = 0;     // enabled, due, and no live instance holds the lease
  std::int64_t leased = 0;  // the lease is in force (any live instance)
  // Enabled sources whose last poll failed (error_count > 0), grouped by the
  // stored fetch state: the HTTP status of the last response (nullopt when
  // none came) and the stored error up to its first ':' ("HTTP 404",
  // "timeout", "HTML page, not a feed; it links to feeds").
  struct Failing {
    std::optional<int> status;
    std::string error_head;
    std::int64_t count = 0;
  };
  std::vector<Failing> failing;
};

// One parsed item, ready to store. Strings are UTF-8; NUL characters are
// dropped (PostgreSQL text cannot hold them).
struct ArticleInput {
  std::string guid;  // required; the caller falls back to the canonical link
  std::optional<std::string> url;
  std::optional<std::string> canonical_url;
  std::string title;
  std::string summary;
  std::string content;
  std::optional<std::string> content_html;
  std::optional<std::string> author;
  std::optional<core::TimePoint> published_at;
  std::optional<std::string> language;
  std::vector<ArticleEnclosure> enclosures;
  std::optional<std::string> image;  // the item's image URL (media:thumbnail)
};

// The source's fetch state after a poll, committed with the poll's articles.
struct FetchOutcome {
  std::optional<int> http_status;  // nullopt when no response (DNS, timeout...)
  bool success = true;             // false counts an error
  std::optional<std::string> error;
  // success only: a problem that did not fail the poll (a feed parsed with
  // recovered errors). Stored as last_error with the error count reset; a
  // success that parsed nothing (304, same body) keeps the stored one.
  std::optional<std::string> warning;
  std::optional<std::string> etag;           // replaces the stored one when success
  std::optional<std::string> last_modified;  // likewise
  core::TimePoint next_poll_at;
  // Replaces the stored body hash when set (set it only for a body that
  // parsed: a hash is what lets the next poll skip parsing).
  std::optional<std::uint64_t> body_hash;
  // The permanent redirect still waiting for its grace period; replaces the
  // stored one (nullopt clears it).
  std::optional<PendingRedirect> pending_redirect;
  // A permanent redirect: the source's URL becomes this (history kept).
  std::optional<std::string> new_url;
  // 410 Gone: the source is disabled with disabled_by 'gone'.
  bool gone = false;
};

// A feed changed an item's identity: the incoming item (new guid/URL) had the
// same text and URL path as a recent stored item, so that item was updated.
struct IdentityDrift {
  core::ArticleId article_id = 0;
  std::string old_guid;
  std::string new_guid;
  std::optional<std::string> old_url;
  std::optional<std::string> new_url;
};

struct IngestReport {
  int inserted = 0;
  int updated = 0;    // changed in place (id kept), offered to the clusterer again if the text changed
  int unchanged = 0;  // includes guids repeated within the poll
  int skipped = 0;    // no guid, canonical URL or URL to identify them
  std::vector<IdentityDrift> drifts;  // for the caller to log (counted on the source)
};

// ---- Clustering handoff -----------------------------------------------------

// A committed article the clusterer has not handled (new, or its text changed).
struct PendingArticle {
  core::ArticleId id = 0;
  std::int64_t change_seq = 0;  // pass back in MembershipWrite; resume after it
  core::SourceId source_id = 0;
  std::string title;
  std::string summary;
  std::string content;  // only when summary is empty (the clusterer reads one of them)
  std::optional<std::string> url;
  std::optional<std::string> canonical_url;
  std::optional<core::TimePoint> published_at;
  core::TimePoint first_seen_at;
  core::TimePoint sort_at;
  std::optional<std::string> language;
  std::optional<core::StoryId> story_id;  // set when re-offered after a change
};

// Which of the window's articles Store::for_each_article_since reads.
enum class WindowArticles { kClustered, kAll };

enum class DedupLevel { kSeed, kExact, kNear, kStory };
const char* to_string(DedupLevel level);

// A story the batch creates (id == nullopt) or refers to / updates (id set).
// key is the caller's handle for it within the batch (unique per batch).
struct StoryWrite {
  std::int64_t key = 0;
  std::optional<core::StoryId> id;
  std::optional<std::string> headline;  // required for new stories
  std::optional<std::vector<std::string>> top_terms;
};

// The clusterer's decision for one article.
struct MembershipWrite {
  core::ArticleId article_id = 0;
  std::int64_t change_seq = 0;  // from PendingArticle; a newer change stays pending
  std::int64_t story_key = 0;   // a StoryWrite::key of the same batch
  std::optional<core::ArticleId> duplicate_of;  // the earliest copy
  DedupLevel level = DedupLevel::kStory;
  double score = 0.0;
  std::vector<std::string> matched_terms;
};

// Story from_key is merged into into_key: its articles move, it keeps its id
// with merged_into set.
struct MergeWrite {
  std::int64_t from_key = 0;
  std::int64_t into_key = 0;
};

struct ClusterBatch {
  std::vector<StoryWrite> stories;
  std::vector<MembershipWrite> memberships;
  std::vector<MergeWrite> merges;
};

// What happened to a story (story_events.event). Every change the views show
// is one of these.
enum class StoryEventKind {
  kCreated,
  kGrew,             // articles joined it
  kShrank,           // articles left it (moved away, deleted)
  kMerged,           // merged into merged_into
  kHeadlineChanged,
  kTermsChanged,     // top_terms changed and nothing else did
  kArticleUpdated,   // an article of it was edited in place
  kDeleted,          // gone; cause says why
};
const char* to_string(StoryEventKind kind);

// Why a story was deleted.
enum class DeleteCause { kSourceRemoved, kRetention, kEmptied };
const char* to_string(DeleteCause cause);

// One row of story_events.
struct StoryEvent {
  std::int64_t id = 0;  // assigned in commit order
  core::StoryId story_id = 0;
  StoryEventKind kind = StoryEventKind::kCreated;
  int article_count = 0;  // after the event (for kMerged: before it)
  std::optional<core::StoryId> merged_into;
  std::string headline;  // after the event (for kDeleted: the last one)
  std::optional<DeleteCause> cause;  // kDeleted only
};

struct ClusterWriteResult {
  std::vector<std::pair<std::int64_t, core::StoryId>> story_ids;  // key -> id, every StoryWrite
  std::vector<StoryEvent> events;  // recorded in story_events (in id order) and NOTIFY'd
};

// Where placing an article failed: in the engine, or storing its placement.
enum class SetAsideStage { kEngine, kWrite };
const char* to_string(SetAsideStage stage);

// An article the clusterer could not place: recorded in cluster_set_aside
// with its reason and no longer pending, so it never holds back the others.
// It is offered again when its text changes, when a recluster covers it, or
// when a binary of another version takes the clusterer lock.
struct SetAside {
  core::ArticleId article_id = 0;
  std::int64_t change_seq = 0;  // the version of its text that failed
  SetAsideStage stage = SetAsideStage::kWrite;
  std::string reason;
};

// Articles not placed: waiting for the clusterer, or set aside.
struct ClusteringBacklog {
  std::int64_t waiting = 0;
  std::int64_t set_aside = 0;
};

// ---- Reading ----------------------------------------------------------------

struct StorySummary {
  core::StoryId id = 0;
  std::string headline;
  core::TimePoint first_seen;
  core::TimePoint last_updated;
  int article_count = 0;
  int source_count = 0;
  std::vector<std::string> top_terms;
};

struct CoverageRow {
  core::ArticleId article_id = 0;
  core::SourceId source_id = 0;
  std::optional<std::string> source_title;
  std::string source_url;
  std::string title;
  std::optional<std::string> url;
  std::optional<core::TimePoint> published_at;
  core::TimePoint first_seen_at;
  std::optional<core::ArticleId> duplicate_of;
  std::optional<std::string> dedup_level;
};

// ---- Retention --------------------------------------------------------------

struct RetentionResult {
  std::int64_t articles_deleted = 0;
  std::int64_t stories_deleted = 0;
};

}  // namespace fcd::store
