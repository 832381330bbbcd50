#pragma once
// Private to fcd_store: the connection behind Store and the helpers its
// source files share. The only header of ours that includes pqxx.
#include <chrono>
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <type_traits>
#include <vector>

#include "core/types.hpp"
#include "store/error.hpp"
#include "store/store.hpp"

namespace fcd::store {

// Advisory lock keys ("fcd" + a number), distinct from any other application's.
inline constexpr std::int64_t kMigrationLockKey = 0x0066636400000001;
inline constexpr std::int64_t kClustererLockKey = 0x0066636400000002;
// Taken (transaction-level) by every transaction that writes articles or
// story_events, before it locks any article or story row, and held to its
// commit: story_events ids and articles' visible_seq are then assigned in
// commit order, so a reader that saw N never sees a smaller one appear later.
// Taken first (after at most the polled source's row), it cannot close a
// deadlock cycle: no holder of it waits for a row another waiter holds.
inline constexpr std::int64_t kChangeFeedLockKey = 0x0066636400000003;
// The channel of the change feed's notifications.
inline constexpr const char* kStoriesChannel = "feedclusterd_stories";

// Keeps the last notice or error text the server sent outside a statement
// (libpq hands those to the notice processor): when the server ends a
// session it sends "FATAL: terminating connection due to administrator
// command" and closes, and that, not libpq's "server closed the connection
// unexpectedly", says why.
class LastNotice final : public pqxx::errorhandler {
 public:
  explicit LastNotice(pqxx::connection& c) : pqxx::errorhandler(c) {}
  bool operator()(const char message[]) noexcept override;
  // The server said it ends the session (severity FATAL or PANIC).
  bool session_ended() const noexcept;
  std::string take();

 private:
  std::string text_;
};

struct Store::Impl {
  StoreOptions options;
  // The advisory lock key every connection of this process and instance id
  // holds (shared), recorded on its leases: alive while any of them is.
  std::int64_t session_key = 0;
  std::optional<pqxx::connection> conn;
  std::optional<LastNotice> notices;  // of conn; destroyed before it
  bool connected = false;
  bool clusterer = false;

  explicit Impl(StoreOptions opts);
  ~Impl();
  void open();
  void close();
  // Reads what the server sent since the last statement. On an idle
  // connection that is only ever the end of the session (a FATAL message,
  // then end of file): then the connection is marked lost and StoreError
  // (08006, with the server's reason) thrown, before any statement is sent.
  // A statement sent on a connection the server has closed fails inside
  // libpqxx 6.4, which loses that statement's result (a leak) and reports
  // "Could not obtain client encoding: not connected" instead of the cause.
  void check_session(const char* context);
  void prepare_statements();

  // Runs f, translating every failure into StoreError with context; marks
  // the connection lost when it is. f is called with the live connection.
  template <class F>
  auto run(const char* context, F&& f) -> decltype(f(std::declval<pqxx::connection&>()));

  [[noreturn]] void rethrow(const char* context);
  std::string scrub(std::string message) const;
};

// Seconds since the epoch, as the SQL side takes them (to_timestamp($n)).
inline std::int64_t epoch(core::TimePoint t) { return t.time_since_epoch().count(); }
inline core::TimePoint from_epoch(std::int64_t s) { return core::TimePoint{core::Duration{s}}; }

std::optional<std::string> opt_string(const pqxx::field& f);
std::optional<std::int64_t> opt_int(const pqxx::field& f);
std::optional<core::TimePoint> opt_time(const pqxx::field& f);
// Reads a JSON array of strings (the SQL side selects to_json(text[])::text).
std::vector<std::string> json_strings(const pqxx::field& f);
// A JSON array of strings / integers, passed as one parameter ($n::json).
std::string to_json_array(const std::vector<std::string>& values);
std::string to_json_array(const std::vector<std::int64_t>& values);

// Each source file registers the prepared statements it uses (on every new
// connection).
void prepare_source_statements(pqxx::connection& c);
void prepare_ingest_statements(pqxx::connection& c);
void prepare_cluster_statements(pqxx::connection& c);
void prepare_event_statements(pqxx::connection& c);

// The time a change is stamped with (story_events.at, stories.last_updated),
// as to_timestamp() takes it: seconds with microseconds. The daemon's clock
// counts seconds (core::TimePoint), which gave every story of a first import
// the same last_updated; a now within the present second is refined with the
// present microseconds, any other now (a simulated clock) is kept as given.
double change_time(core::TimePoint now);

struct DeletedStory {
  core::StoryId id = 0;
  std::string headline;  // its last one
};

// Deletes these articles (their copies lose duplicate_of, each leaves a
// tombstone with its cause), under the change-feed lock the caller took.
// Returns the stories they were in.
std::vector<std::int64_t> delete_articles(pqxx::work& tx, const std::vector<std::int64_t>& article_ids,
                                          DeleteCause cause, core::TimePoint now);

// Recomputes counts and first/last times of the given stories, then deletes
// those left without articles (and stories merged into them). Returns the
// deleted stories.
std::vector<DeletedStory> refresh_stories(pqxx::work& tx, const std::vector<std::int64_t>& story_ids);

// After articles of these stories were deleted (every one lost at least one):
// refreshes them (refresh_stories) and records 'deleted' (with cause) for the
// stories gone and 'shrank' for the others, stamped now. Returns how many
// stories were deleted.
std::int64_t record_deletions(pqxx::work& tx, const std::vector<std::int64_t>& story_ids, DeleteCause cause,
                              core::TimePoint now);

// Inserts events in the given order under kChangeFeedLockKey (taken here if
// the caller has not yet), stamped at
// (a change_time), moves last_updated of the stories still there to at (every
// event is a visible change), and sends one NOTIFY on kStoriesChannel for the
// batch: {"first_id": N, "last_id": M, "count": K} (delivered on commit). An
// empty headline or a negative article_count is filled in from the story.
// Sets each event's id, headline and article_count as stored.
void record_story_events(pqxx::work& tx, std::vector<StoryEvent>& events, double at);

template <class F>
auto Store::Impl::run(const char* context, F&& f) -> decltype(f(std::declval<pqxx::connection&>())) {
  if (!connected || !conn) throw StoreError("08003", context, "not connected; call reconnect()");
  check_session(context);
  try {
    return f(*conn);
  } catch (...) {
    rethrow(context);
  }
}

}  // namespace fcd::store
