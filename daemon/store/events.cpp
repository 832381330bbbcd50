// The change feed: story_events in commit order, the NOTIFY per batch, and
// the story bookkeeping after articles were deleted.
#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "store/store_impl.hpp"

namespace fcd::store {

void prepare_event_statements(pqxx::connection& c) {
  c.prepare("story_refresh",
            "WITH ids AS (SELECT DISTINCT value::bigint AS id FROM json_array_elements_text($1::json)),"
            " counts AS (SELECT ids.id, count(a.id)::int AS n, count(DISTINCT a.source_id)::int AS sources,"
            " min(a.first_seen_at) AS first_seen, max(a.first_seen_at) AS last_seen,"
            " min(a.published_at) FILTER (WHERE a.published_at = a.sort_at) AS published_first,"
            " max(a.published_at) FILTER (WHERE a.published_at = a.sort_at) AS published_last"
            " FROM ids LEFT JOIN article_placements p ON p.story_id = ids.id LEFT JOIN articles a ON a.id = p.article_id"
            " GROUP BY ids.id)"
            " UPDATE stories s SET article_count = counts.n, source_count = counts.sources,"
            " published_first = counts.published_first, published_last = counts.published_last,"
            " first_seen = least(s.first_seen, coalesce(counts.first_seen, s.first_seen)),"
            " last_updated = greatest(s.last_updated, coalesce(counts.last_seen, s.last_updated))"
            " FROM counts WHERE s.id = counts.id");
  // Stories merged into an emptied one go with it: they hold no articles.
  c.prepare("story_delete_empty",
            "WITH RECURSIVE doomed AS ("
            " SELECT id FROM stories WHERE article_count = 0 AND merged_into IS NULL"
            " AND id = ANY (ARRAY(SELECT json_array_elements_text($1::json)::bigint))"
            " UNION SELECT s.id FROM stories s JOIN doomed d ON s.merged_into = d.id)"
            " DELETE FROM stories WHERE id IN (SELECT id FROM doomed) RETURNING id, headline");
  c.prepare("change_feed_lock", "SELECT pg_advisory_xact_lock($1)");
  // Copies of deleted articles lose their duplicate_of (the foreign key would
  // do it without moving their change cursor).
  c.prepare("articles_orphan_copies",
            "UPDATE article_placements SET duplicate_of = NULL, visible_seq = nextval('article_visible_seq')"
            " WHERE duplicate_of IN (SELECT json_array_elements_text($1::json)::bigint)"
            " AND article_id NOT IN (SELECT json_array_elements_text($1::json)::bigint)");
  c.prepare("articles_delete",
            "WITH ids AS (SELECT json_array_elements_text($1::json)::bigint AS id),"
            // Read before the delete cascades to the placements.
            " placed AS (SELECT article_id, story_id FROM article_placements WHERE article_id IN (SELECT id FROM ids)),"
            " gone AS (DELETE FROM articles WHERE id IN (SELECT id FROM ids) RETURNING id, source_id),"
            " tombs AS (INSERT INTO article_tombstones (article_id, source_id, story_id, deleted_at, cause)"
            " SELECT g.id, g.source_id, p.story_id, to_timestamp($2), $3 FROM gone g"
            " LEFT JOIN placed p ON p.article_id = g.id ORDER BY g.id)"
            " SELECT DISTINCT p.story_id FROM gone g JOIN placed p ON p.article_id = g.id WHERE p.story_id IS NOT NULL");
  // Ids follow the order of ord (one INSERT, under the change-feed lock: no
  // other writer takes ids in between).
  c.prepare("story_events_record",
            "WITH e AS (SELECT * FROM json_to_recordset($1::json) AS e(ord int, story_id bigint, event text,"
            " article_count int, merged_into bigint, headline text, cause text)),"
            " recorded AS (INSERT INTO story_events (story_id, event, at, article_count, merged_into, headline, cause)"
            " SELECT e.story_id, e.event, to_timestamp($2),"
            " CASE WHEN e.article_count >= 0 THEN e.article_count ELSE coalesce(s.article_count, 0) END,"
            " e.merged_into, coalesce(nullif(e.headline, ''), s.headline, ''), e.cause"
            " FROM e LEFT JOIN stories s ON s.id = e.story_id ORDER BY e.ord"
            " RETURNING id, article_count, headline),"
            " moved AS (UPDATE stories s SET last_updated = greatest(s.last_updated, to_timestamp($2))"
            " WHERE s.id IN (SELECT story_id FROM e))"
            " SELECT id, article_count, headline FROM recorded ORDER BY id");
  c.prepare("story_events_notify", std::string{"SELECT pg_notify('"} + kStoriesChannel + "', $1)");
}

double change_time(core::TimePoint now) {
  using std::chrono::microseconds;
  const auto present = std::chrono::time_point_cast<microseconds>(core::Clock::now());
  const auto given = std::chrono::time_point_cast<microseconds>(now);
  const auto at = present >= given && present - given < std::chrono::seconds{1} ? present : given;
  return static_cast<double>(at.time_since_epoch().count()) / 1e6;
}

std::vector<std::int64_t> delete_articles(pqxx::work& tx, const std::vector<std::int64_t>& article_ids,
                                          DeleteCause cause, core::TimePoint now) {
  if (article_ids.empty()) return {};
  const std::string ids = to_json_array(article_ids);
  tx.exec_prepared("articles_orphan_copies", ids);
  std::vector<std::int64_t> stories;
  for (const auto& r : tx.exec_prepared("articles_delete", ids, change_time(now), std::string{to_string(cause)}))
    stories.push_back(r[0].as<std::int64_t>());
  return stories;
}

std::vector<DeletedStory> refresh_stories(pqxx::work& tx, const std::vector<std::int64_t>& story_ids) {
  if (story_ids.empty()) return {};
  const std::string ids = to_json_array(story_ids);
  tx.exec_prepared("story_refresh", ids);
  std::vector<DeletedStory> deleted;
  for (const auto& r : tx.exec_prepared("story_delete_empty", ids))
    deleted.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>()});
  std::sort(deleted.begin(), deleted.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return deleted;
}

std::int64_t record_deletions(pqxx::work& tx, const std::vector<std::int64_t>& story_ids, DeleteCause cause,
                              core::TimePoint now) {
  const auto deleted = refresh_stories(tx, story_ids);
  std::set<core::StoryId> gone;
  std::vector<StoryEvent> events;
  for (const auto& d : deleted) {
    gone.insert(d.id);
    events.push_back({0, d.id, StoryEventKind::kDeleted, 0, std::nullopt, d.headline, cause});
  }
  for (const auto id : std::set<core::StoryId>(story_ids.begin(), story_ids.end()))
    if (!gone.count(id)) events.push_back({0, id, StoryEventKind::kShrank, -1, std::nullopt, "", std::nullopt});
  record_story_events(tx, events, change_time(now));
  return static_cast<std::int64_t>(deleted.size());
}

void record_story_events(pqxx::work& tx, std::vector<StoryEvent>& events, double at) {
  if (events.empty()) return;
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    rows.push_back({{"ord", i},
                    {"story_id", e.story_id},
                    {"event", to_string(e.kind)},
                    {"article_count", e.article_count},
                    {"merged_into", e.merged_into ? nlohmann::json(*e.merged_into) : nlohmann::json(nullptr)},
                    {"headline", e.headline},
                    {"cause", e.cause ? nlohmann::json(to_string(*e.cause)) : nlohmann::json(nullptr)}});
  }
  tx.exec_prepared("change_feed_lock", kChangeFeedLockKey);
  const auto stored = tx.exec_prepared(
      "story_events_record", rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), at);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& r = stored[static_cast<pqxx::result::size_type>(i)];
    events[i].id = r[0].as<std::int64_t>();
    events[i].article_count = r[1].as<int>();
    events[i].headline = r[2].as<std::string>();
  }
  const nlohmann::json payload{
      {"first_id", events.front().id}, {"last_id", events.back().id}, {"count", events.size()}};
  tx.exec_prepared("story_events_notify", payload.dump());
}

}  // namespace fcd::store
