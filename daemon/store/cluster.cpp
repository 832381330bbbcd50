// The clusterer's side: pending articles, decisions, story lifecycle,
// notifications, and retention (which keeps story counts right).
#include <algorithm>
#include <cmath>
#include <limits>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "store/store.hpp"
#include "core/version.hpp"
#include "store/store_impl.hpp"

namespace fcd::store {

namespace {

std::vector<std::int64_t> to_vector(const std::set<std::int64_t>& ids) { return {ids.begin(), ids.end()}; }

// The columns read_article() expects, in its order. The body only when there
// is no summary: the clusterer reads one or the other, and bodies are most of
// the bytes a batch moves.
constexpr const char* kArticleColumns =
    "id, change_seq, source_id, title, summary, CASE WHEN summary = '' THEN content ELSE '' END, url, canonical_url,"
    " extract(epoch FROM published_at)::bigint, extract(epoch FROM first_seen_at)::bigint,"
    " extract(epoch FROM sort_at)::bigint, language,"
    " (SELECT p.story_id FROM article_placements p WHERE p.article_id = articles.id)";

PendingArticle read_article(const pqxx::row& r) {
  PendingArticle a;
  a.id = r[0].as<std::int64_t>();
  a.change_seq = r[1].as<std::int64_t>();
  a.source_id = r[2].as<std::int64_t>();
  a.title = r[3].as<std::string>();
  a.summary = r[4].as<std::string>();
  a.content = r[5].as<std::string>();
  a.url = opt_string(r[6]);
  a.canonical_url = opt_string(r[7]);
  a.published_at = opt_time(r[8]);
  a.first_seen_at = from_epoch(r[9].as<std::int64_t>());
  a.sort_at = from_epoch(r[10].as<std::int64_t>());
  a.language = opt_string(r[11]);
  a.story_id = opt_int(r[12]);
  return a;
}

// The story that received most of the given articles (ties: the oldest).
std::optional<core::StoryId> most_common(const std::map<core::StoryId, int>& counts) {
  std::optional<core::StoryId> best;
  int best_count = 0;
  for (const auto& [story, count] : counts)
    if (count > best_count) best = story, best_count = count;
  return best;
}

// Invalid UTF-8 (from a feed, through the engine's terms) is replaced rather
// than failing the batch.
std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

double storable_score(double score) {
  constexpr double kMax = std::numeric_limits<float>::max();
  if (std::isnan(score)) return 0.0;
  if (std::fabs(score) < std::numeric_limits<float>::min()) return 0.0;
  return std::clamp(score, -kMax, kMax);
}

void prepare_cluster_statements(pqxx::connection& c) {
  c.prepare("newest_placed",
            "SELECT extract(epoch FROM max(a.sort_at))::bigint FROM article_placements p JOIN articles a ON a.id = p.article_id"
            " WHERE p.story_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cluster_queue q WHERE q.article_id = p.article_id)");
  c.prepare("cluster_pending",
            std::string{"SELECT "} + kArticleColumns +
                " FROM articles WHERE id IN (SELECT article_id FROM cluster_queue WHERE change_seq > $1"
                " ORDER BY change_seq LIMIT $2) ORDER BY change_seq");
  // New stories get their ids first (one round trip for the batch), so each
  // is known by the caller's key without relying on the order of RETURNING.
  c.prepare("story_new_ids", "SELECT nextval(pg_get_serial_sequence('stories', 'id')) FROM generate_series(1, $1)");
  c.prepare("story_insert",
            "INSERT INTO stories (id, headline, first_seen, last_updated, top_terms) OVERRIDING SYSTEM VALUE"
            " SELECT s.id, s.headline, to_timestamp($2), to_timestamp($2),"
            " ARRAY(SELECT json_array_elements_text(coalesce(s.terms, '[]'::json)))"
            " FROM json_to_recordset($1::json) AS s(id bigint, headline text, terms json)");
  // Only rows whose headline or terms change are rewritten; returns which
  // of the two changed (each is an event).
  c.prepare("story_update",
            "WITH s AS (SELECT s.id, s.headline, CASE WHEN s.terms IS NULL THEN NULL"
            " ELSE ARRAY(SELECT json_array_elements_text(s.terms)) END AS terms"
            " FROM json_to_recordset($1::json) AS s(id bigint, headline text, terms json)),"
            " old AS (SELECT t.id, t.headline, t.top_terms FROM stories t JOIN s ON s.id = t.id)"
            " UPDATE stories t SET headline = coalesce(s.headline, t.headline), top_terms = coalesce(s.terms, t.top_terms)"
            " FROM s JOIN old o ON o.id = s.id WHERE t.id = s.id"
            " AND (coalesce(s.headline, t.headline), coalesce(s.terms, t.top_terms)) IS DISTINCT FROM (t.headline, t.top_terms)"
            " RETURNING t.id, t.headline IS DISTINCT FROM o.headline, t.top_terms IS DISTINCT FROM o.top_terms");
  c.prepare("story_counts",
            "SELECT id, article_count FROM stories"
            " WHERE id = ANY (ARRAY(SELECT json_array_elements_text($1::json)::bigint))");
  c.prepare("cluster_old_stories",
            "SELECT article_id, story_id FROM article_placements"
            " WHERE article_id = ANY (ARRAY(SELECT json_array_elements_text($1::json)::bigint)) AND story_id IS NOT NULL");
  // A placement is a row of article_placements (never the article's own row:
  // that would rewrite its text and full-text index entries). An article
  // changed again since it was read stays queued, so its newer text is
  // offered once more. A placement the views show differently moves its
  // change cursor. Returns, per article re-placed in its own story, whether
  // what story_coverage shows of it changed (duplicate_of, level, score, terms).
  c.prepare("cluster_membership",
            "WITH m AS (SELECT m.*, a.source_id, ARRAY(SELECT json_array_elements_text(m.terms)) AS term_array"
            " FROM json_to_recordset($1::json) AS m(article_id bigint, change_seq bigint, story_id bigint,"
            " duplicate_of bigint, level text, score real, terms json)"
            " JOIN articles a ON a.id = m.article_id),"
            " old AS (SELECT m.article_id, p.story_id, (p.story_id, p.duplicate_of, p.dedup_level, p.cluster_score,"
            " p.matched_terms) IS DISTINCT FROM (m.story_id, m.duplicate_of, m.level, m.score, m.term_array) AS changed"
            " FROM m LEFT JOIN article_placements p ON p.article_id = m.article_id),"
            " placed AS (INSERT INTO article_placements AS p (article_id, source_id, story_id, duplicate_of, dedup_level,"
            " cluster_score, matched_terms, clustered_at, visible_seq)"
            " SELECT m.article_id, m.source_id, m.story_id, m.duplicate_of, m.level, m.score, m.term_array,"
            " to_timestamp($2), nextval('article_visible_seq') FROM m JOIN old o ON o.article_id = m.article_id"
            " WHERE o.changed ORDER BY m.article_id"
            " ON CONFLICT (article_id) DO UPDATE SET story_id = EXCLUDED.story_id, duplicate_of = EXCLUDED.duplicate_of,"
            " dedup_level = EXCLUDED.dedup_level, cluster_score = EXCLUDED.cluster_score,"
            " matched_terms = EXCLUDED.matched_terms, clustered_at = EXCLUDED.clustered_at,"
            " visible_seq = EXCLUDED.visible_seq),"
            " dequeued AS (DELETE FROM cluster_queue q USING m"
            " WHERE q.article_id = m.article_id AND q.change_seq = m.change_seq)"
            " SELECT m.story_id, o.changed AND o.story_id IS NOT DISTINCT FROM m.story_id"
            " FROM m JOIN old o ON o.article_id = m.article_id");
  // A placed article is no longer set aside.
  c.prepare("set_aside_clear",
            "DELETE FROM cluster_set_aside WHERE article_id = ANY (ARRAY(SELECT json_array_elements_text($1::json)::bigint))");
  // An article whose text changed since the failed version stays pending: the
  // new text is offered.
  c.prepare("set_aside_insert",
            "WITH x AS (SELECT * FROM json_to_recordset($1::json) AS x(article_id bigint, change_seq bigint,"
            " stage text, reason text)),"
            " recorded AS (INSERT INTO cluster_set_aside (article_id, change_seq, stage, reason, binary_version, set_aside_at)"
            " SELECT x.article_id, x.change_seq, x.stage, x.reason, $2, to_timestamp($3) FROM x"
            " JOIN articles a ON a.id = x.article_id"
            " ON CONFLICT (article_id) DO UPDATE SET change_seq = EXCLUDED.change_seq, stage = EXCLUDED.stage,"
            " reason = EXCLUDED.reason, binary_version = EXCLUDED.binary_version, set_aside_at = EXCLUDED.set_aside_at"
            " RETURNING article_id),"
            " dequeued AS (DELETE FROM cluster_queue q USING x"
            " WHERE q.article_id = x.article_id AND q.change_seq = x.change_seq"
            " AND q.article_id IN (SELECT article_id FROM recorded))"
            " SELECT count(*) FROM recorded");
  c.prepare("set_aside_requeue",
            "WITH back AS (DELETE FROM cluster_set_aside WHERE binary_version <> $1 RETURNING article_id),"
            " queued AS (INSERT INTO cluster_queue (article_id, change_seq)"
            " SELECT a.id, a.change_seq FROM articles a WHERE a.id IN (SELECT article_id FROM back)"
            " ON CONFLICT (article_id) DO NOTHING)"
            " SELECT count(*) FROM back");
  c.prepare("clustering_backlog",
            "SELECT (SELECT count(*) FROM cluster_queue),"
            " (SELECT count(*) FROM cluster_set_aside x"
            " WHERE NOT EXISTS (SELECT 1 FROM cluster_queue q WHERE q.article_id = x.article_id))");
  // Counts of stories that only gain articles, advanced by the joiners (the
  // articles not in that story yet): a source counts when no member had it.
  c.prepare("story_advance",
            "WITH j AS (SELECT * FROM json_to_recordset($1::json) AS j(article_id bigint, story_id bigint)),"
            " joiners AS (SELECT j.story_id, a.source_id, a.first_seen_at,"
            " CASE WHEN a.published_at = a.sort_at THEN a.published_at END AS published"
            " FROM j JOIN articles a ON a.id = j.article_id LEFT JOIN article_placements p ON p.article_id = j.article_id"
            " WHERE p.story_id IS DISTINCT FROM j.story_id),"
            " per_story AS (SELECT story_id, count(*)::int AS n, min(first_seen_at) AS first_seen,"
            " max(first_seen_at) AS last_seen, min(published) AS published_first, max(published) AS published_last"
            " FROM joiners GROUP BY story_id),"
            " new_sources AS (SELECT p.story_id, count(*)::int AS n FROM (SELECT DISTINCT story_id, source_id FROM joiners) p"
            " WHERE NOT EXISTS (SELECT 1 FROM article_placements m WHERE m.story_id = p.story_id AND m.source_id = p.source_id)"
            " GROUP BY p.story_id)"
            " UPDATE stories s SET article_count = s.article_count + ps.n,"
            " source_count = s.source_count + coalesce(ns.n, 0),"
            " first_seen = least(s.first_seen, ps.first_seen), last_updated = greatest(s.last_updated, ps.last_seen),"
            " published_first = least(s.published_first, ps.published_first),"
            " published_last = greatest(s.published_last, ps.published_last)"
            " FROM per_story ps LEFT JOIN new_sources ns ON ns.story_id = ps.story_id WHERE s.id = ps.story_id");
  c.prepare("story_live_members",
            "SELECT ids.id, count(a.article_id) FROM (SELECT json_array_elements_text($1::json)::bigint AS id) ids"
            " LEFT JOIN article_placements a ON a.story_id = ids.id GROUP BY ids.id");
  c.prepare("cluster_merge_articles",
            "UPDATE article_placements SET story_id = $2, visible_seq = nextval('article_visible_seq') WHERE story_id = $1");
  c.prepare("cluster_merge_story", "UPDATE stories SET merged_into = $2 WHERE id = $1 OR merged_into = $1");
  c.prepare("read_latest_stories",
            "SELECT story_id, headline, extract(epoch FROM first_seen)::bigint,"
            " floor(extract(epoch FROM last_updated))::bigint, article_count, source_count, to_json(top_terms)::text"
            " FROM latest_stories ORDER BY last_updated DESC, story_id DESC LIMIT $1");
  c.prepare("read_story_coverage",
            "SELECT article_id, source_id, source_title, source_url, title, url,"
            " extract(epoch FROM published_at)::bigint, extract(epoch FROM first_seen_at)::bigint,"
            " duplicate_of, dedup_level FROM story_coverage WHERE story_id = $1 ORDER BY sort_at, article_id");
  // No ORDER BY: the BRIN scan stops after $2 rows instead of sorting every
  // expired row on each batch.
  c.prepare("retention_doomed",
            "SELECT id FROM articles WHERE first_seen_at < to_timestamp($1) LIMIT $2 FOR UPDATE SKIP LOCKED");
}

std::vector<PendingArticle> Store::pending_articles(std::int64_t after_seq, std::size_t limit) {
  return impl_->run("read pending articles", [&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<PendingArticle> out;
    for (const auto& r : tx.exec_prepared("cluster_pending", after_seq, static_cast<std::int64_t>(limit)))
      out.push_back(read_article(r));
    return out;
  });
}

std::size_t Store::for_each_article_since(core::TimePoint since, WindowArticles which,
                                          const std::function<void(PendingArticle&&)>& visit) {
  return impl_->run("read the window's articles", [&](pqxx::connection& c) {
    // One snapshot, read through a cursor in pages: the window may hold more
    // articles than are worth holding as rows at once.
    pqxx::read_transaction tx(c);
    const std::string filter = which == WindowArticles::kClustered
                                   ? " AND EXISTS (SELECT 1 FROM article_placements p WHERE p.article_id = articles.id"
                                     " AND p.story_id IS NOT NULL)"
                                     " AND NOT EXISTS (SELECT 1 FROM cluster_queue q WHERE q.article_id = articles.id)"
                                   : "";
    tx.exec_params(std::string{"DECLARE window_articles NO SCROLL CURSOR FOR SELECT "} + kArticleColumns +
                       " FROM articles WHERE sort_at >= to_timestamp($1)" + filter + " ORDER BY sort_at, id",
                   epoch(since));
    std::size_t count = 0;
    for (;;) {
      const auto page = tx.exec("FETCH 2000 FROM window_articles");
      if (page.empty()) break;
      for (const auto& r : page) visit(read_article(r));
      count += page.size();
    }
    return count;
  });
}

std::optional<core::TimePoint> Store::newest_placed_article_time() {
  return impl_->run("read the newest placed article's time", [&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return opt_time(tx.exec_prepared1("newest_placed")[0]);
  });
}

ClusterWriteResult Store::write_cluster_batch(const ClusterBatch& batch, core::TimePoint now) {
  if (!holds_clusterer_lock()) throw NotClustererError();
  return impl_->run("write cluster decisions", [&](pqxx::connection& c) {
    ClusterWriteResult result;
    pqxx::work tx(c);
    tx.exec_prepared("change_feed_lock", kChangeFeedLockKey);

    std::map<std::int64_t, core::StoryId> ids;
    std::set<core::StoryId> created;
    std::vector<const StoryWrite*> fresh;
    nlohmann::json updates = nlohmann::json::array();
    for (const auto& s : batch.stories) {
      if (ids.count(s.key)) throw StoreError("", "write cluster decisions", "story key used twice: " + std::to_string(s.key));
      if (s.id) {
        ids[s.key] = *s.id;
        if (s.headline || s.top_terms)
          updates.push_back({{"id", *s.id},
                             {"headline", s.headline ? nlohmann::json(*s.headline) : nlohmann::json(nullptr)},
                             {"terms", s.top_terms ? nlohmann::json(*s.top_terms) : nlohmann::json(nullptr)}});
      } else {
        if (!s.headline) throw StoreError("", "write cluster decisions", "a new story needs a headline");
        ids[s.key] = 0;  // assigned below
        fresh.push_back(&s);
      }
    }
    if (!fresh.empty()) {
      const auto new_ids = tx.exec_prepared("story_new_ids", static_cast<std::int64_t>(fresh.size()));
      nlohmann::json inserts = nlohmann::json::array();
      for (std::size_t i = 0; i < fresh.size(); ++i) {
        const auto id = new_ids[static_cast<pqxx::result::size_type>(i)][0].as<std::int64_t>();
        ids[fresh[i]->key] = id;
        created.insert(id);
        inserts.push_back({{"id", id},
                           {"headline", *fresh[i]->headline},
                           {"terms", fresh[i]->top_terms ? nlohmann::json(*fresh[i]->top_terms) : nlohmann::json::array()}});
      }
      tx.exec_prepared("story_insert", dump_json(inserts), epoch(now));
    }
    std::set<core::StoryId> retitled, reworded;
    if (!updates.empty())
      for (const auto& r : tx.exec_prepared("story_update", dump_json(updates))) {
        if (r[1].as<bool>()) retitled.insert(r[0].as<std::int64_t>());
        if (r[2].as<bool>()) reworded.insert(r[0].as<std::int64_t>());
      }
    for (const auto& s : batch.stories) result.story_ids.emplace_back(s.key, ids[s.key]);
    auto story_of = [&ids](std::int64_t key) {
      auto it = ids.find(key);
      if (it == ids.end()) throw StoreError("", "write cluster decisions", "no story with key " + std::to_string(key));
      return it->second;
    };

    // Stories that may gain (targets) or lose (previous homes) articles.
    std::set<core::StoryId> gaining, touched;
    std::map<core::ArticleId, core::StoryId> new_story;
    nlohmann::json members = nlohmann::json::array();
    for (const auto& m : batch.memberships) {
      const auto story = story_of(m.story_key);
      gaining.insert(story);
      new_story[m.article_id] = story;
      members.push_back({{"article_id", m.article_id},
                         {"change_seq", m.change_seq},
                         {"story_id", story},
                         {"duplicate_of", m.duplicate_of ? nlohmann::json(*m.duplicate_of) : nlohmann::json(nullptr)},
                         {"level", to_string(m.level)},
                         {"score", storable_score(m.score)},
                         {"terms", m.matched_terms}});
    }
    std::vector<std::pair<core::StoryId, core::StoryId>> merges;
    std::set<core::StoryId> merged_away;
    for (const auto& m : batch.merges) {
      merges.emplace_back(story_of(m.from_key), story_of(m.into_key));
      gaining.insert(merges.back().second);
      touched.insert(merges.back().first);
      merged_away.insert(merges.back().first);
    }
    // Where each re-placed article's previous story sent it: a story that
    // loses every article this way is merged into where most of them went,
    // so links to its id keep leading to its coverage.
    std::map<core::StoryId, std::map<core::StoryId, int>> moved_to;
    // Stories that gain a member (new, or moved in) and that lose one (moved
    // away): re-placing an article in its own story changes neither.
    std::set<core::StoryId> joined, left;
    if (!new_story.empty()) {
      std::vector<std::int64_t> article_ids;
      for (const auto& [article, story] : new_story) article_ids.push_back(article);
      std::map<core::ArticleId, core::StoryId> old_story_of;
      for (const auto& r : tx.exec_prepared("cluster_old_stories", to_json_array(article_ids))) {
        const auto old_story = r[1].as<std::int64_t>();
        old_story_of[r[0].as<std::int64_t>()] = old_story;
        touched.insert(old_story);
        const auto now_in = new_story.at(r[0].as<std::int64_t>());
        if (now_in != old_story) ++moved_to[old_story][now_in];
      }
      for (const auto& [article, story] : new_story) {
        const auto old = old_story_of.find(article);
        if (old == old_story_of.end() || old->second != story) joined.insert(story);
        if (old != old_story_of.end() && old->second != story) left.insert(old->second);
      }
    }
    touched.insert(gaining.begin(), gaining.end());
    for (const auto& [key, id] : ids) touched.insert(id);

    std::map<core::StoryId, int> before;
    for (const auto& r : tx.exec_prepared("story_counts", to_json_array(to_vector(touched))))
      before[r[0].as<std::int64_t>()] = r[1].as<int>();
    for (const auto& [key, id] : ids)
      if (!before.count(id)) throw StoreError("", "write cluster decisions", "unknown story " + std::to_string(id));

    // A story that only gains articles in this batch (none leaves it, no
    // merge) has its counts advanced by the joiners alone: recounting it
    // costs its whole size per batch, and a story thousands of articles large
    // made every batch slower than the last. Run before the joiners move in,
    // so "a source new to the story" is judged against the members it had.
    std::set<core::StoryId> advanced;
    for (const auto id : gaining)
      if (!moved_to.count(id) && !merged_away.count(id)) advanced.insert(id);
    for (const auto& [from, into] : merges) advanced.erase(into);
    if (!advanced.empty()) {
      nlohmann::json joiners = nlohmann::json::array();
      for (const auto& [article, story] : new_story)
        if (advanced.count(story)) joiners.push_back({{"article_id", article}, {"story_id", story}});
      tx.exec_prepared("story_advance", dump_json(joiners));
    }
    std::vector<std::int64_t> recount;
    for (const auto id : touched)
      if (!advanced.count(id)) recount.push_back(id);

    // Stories with a member re-placed in them differently.
    std::set<core::StoryId> restated;
    if (!members.empty()) {
      for (const auto& r : tx.exec_prepared("cluster_membership", dump_json(members), epoch(now)))
        if (r[1].as<bool>()) restated.insert(r[0].as<std::int64_t>());
      std::vector<std::int64_t> placed;
      placed.reserve(new_story.size());
      for (const auto& [article, story] : new_story) placed.push_back(article);
      tx.exec_prepared("set_aside_clear", to_json_array(placed));
    }
    if (!moved_to.empty()) {
      std::vector<std::int64_t> losing;
      for (const auto& [story, destinations] : moved_to)
        if (!merged_away.count(story)) losing.push_back(story);
      std::vector<std::pair<core::StoryId, core::StoryId>> emptied;
      for (const auto& r : tx.exec_prepared("story_live_members", to_json_array(losing)))
        if (r[1].as<std::int64_t>() == 0)
          if (const auto into = most_common(moved_to.at(r[0].as<std::int64_t>())))
            emptied.emplace_back(r[0].as<std::int64_t>(), *into);
      // Before the batch's own merges: a chain through a story merged below
      // is then redirected by cluster_merge_story.
      merges.insert(merges.begin(), emptied.begin(), emptied.end());
    }
    for (const auto& [from, into] : merges) {
      tx.exec_prepared("cluster_merge_articles", from, into);
      tx.exec_prepared("cluster_merge_story", from, into);
    }
    std::set<core::StoryId> gone;
    const auto deleted = refresh_stories(tx, recount);
    for (const auto& d : deleted) gone.insert(d.id);

    // Every change the views show is an event; a story merged away or gone in
    // this batch has only that event. Counts are the stories' (-1: read them).
    std::set<core::StoryId> merged_from;
    for (const auto& [from, into] : merges) merged_from.insert(from);
    auto& events = result.events;
    auto add = [&events](core::StoryId id, StoryEventKind kind) {
      events.push_back({0, id, kind, -1, std::nullopt, "", std::nullopt});
    };
    auto changed = [&](core::StoryId id) { return !created.count(id) && !merged_from.count(id) && !gone.count(id); };
    for (const auto id : created)
      if (!gone.count(id)) add(id, StoryEventKind::kCreated);
    for (const auto& [from, into] : merges) joined.insert(into);
    for (const auto id : joined)
      if (changed(id)) add(id, StoryEventKind::kGrew);
    for (const auto id : left)
      if (changed(id)) add(id, StoryEventKind::kShrank);
    for (const auto id : retitled)
      if (changed(id)) add(id, StoryEventKind::kHeadlineChanged);
    for (const auto id : reworded)
      if (changed(id) && !retitled.count(id) && !joined.count(id) && !left.count(id))
        add(id, StoryEventKind::kTermsChanged);
    for (const auto id : restated)
      if (changed(id) && !joined.count(id) && !left.count(id)) add(id, StoryEventKind::kArticleUpdated);
    for (const auto& [from, into] : merges)
      events.push_back({0, from, StoryEventKind::kMerged, before[from], into, "", std::nullopt});
    for (const auto& d : deleted)
      if (!created.count(d.id))
        events.push_back({0, d.id, StoryEventKind::kDeleted, 0, std::nullopt, d.headline, DeleteCause::kEmptied});
    record_story_events(tx, events, change_time(now));
    tx.commit();
    return result;
  });
}

int Store::set_aside(const std::vector<SetAside>& articles, core::TimePoint now) {
  if (!holds_clusterer_lock()) throw NotClustererError();
  if (articles.empty()) return 0;
  return impl_->run("set articles aside", [&](pqxx::connection& c) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& a : articles)
      rows.push_back({{"article_id", a.article_id},
                      {"change_seq", a.change_seq},
                      {"stage", to_string(a.stage)},
                      {"reason", a.reason.empty() ? std::string{"no reason given"} : a.reason}});
    pqxx::work tx(c);
    const auto n = tx.exec_prepared1("set_aside_insert", dump_json(rows), std::string{core::kVersion}, epoch(now))[0]
                       .as<std::int64_t>();
    tx.commit();
    return static_cast<int>(n);
  });
}

int Store::requeue_set_aside_of_other_versions() {
  if (!holds_clusterer_lock()) throw NotClustererError();
  return impl_->run("offer set-aside articles again", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto n = tx.exec_prepared1("set_aside_requeue", std::string{core::kVersion})[0].as<std::int64_t>();
    tx.commit();
    return static_cast<int>(n);
  });
}

ClusteringBacklog Store::clustering_backlog() {
  return impl_->run("count unplaced articles", [&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    const auto r = tx.exec_prepared1("clustering_backlog");
    return ClusteringBacklog{r[0].as<std::int64_t>(), r[1].as<std::int64_t>()};
  });
}

std::vector<StorySummary> Store::latest_stories(std::size_t limit) {
  return impl_->run("read latest stories", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    std::vector<StorySummary> out;
    for (const auto& r : tx.exec_prepared("read_latest_stories", static_cast<std::int64_t>(limit))) {
      out.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), from_epoch(r[2].as<std::int64_t>()),
                     from_epoch(r[3].as<std::int64_t>()), r[4].as<int>(), r[5].as<int>(), json_strings(r[6])});
    }
    return out;
  });
}

std::vector<CoverageRow> Store::story_coverage(core::StoryId story) {
  return impl_->run("read story coverage", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    std::vector<CoverageRow> out;
    for (const auto& r : tx.exec_prepared("read_story_coverage", story)) {
      out.push_back({r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), opt_string(r[2]), r[3].as<std::string>(),
                     r[4].as<std::string>(), opt_string(r[5]), opt_time(r[6]), from_epoch(r[7].as<std::int64_t>()),
                     opt_int(r[8]), opt_string(r[9])});
    }
    return out;
  });
}

void Store::ping() {
  impl_->run("ping", [](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec("SELECT 1");
  });
}

RetentionResult Store::delete_articles_before(core::TimePoint cutoff, std::size_t batch_size) {
  return impl_->run("delete old articles", [&](pqxx::connection& c) {
    RetentionResult result;
    pqxx::work tx(c);
    tx.exec_prepared("change_feed_lock", kChangeFeedLockKey);
    std::vector<std::int64_t> doomed;
    for (const auto& r : tx.exec_prepared("retention_doomed", epoch(cutoff), static_cast<std::int64_t>(batch_size)))
      doomed.push_back(r[0].as<std::int64_t>());
    const auto now = std::chrono::time_point_cast<core::Duration>(core::Clock::now());
    const auto stories = delete_articles(tx, doomed, DeleteCause::kRetention, now);
    result.articles_deleted = static_cast<std::int64_t>(doomed.size());
    result.stories_deleted = record_deletions(tx, stories, DeleteCause::kRetention, now);
    tx.commit();
    return result;
  });
}

}  // namespace fcd::store
