// One poll, one transaction: identity drift, the batched upsert of the items,
// and the source's new fetch state (which also releases the lease).
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "store/store.hpp"
#include "store/store_impl.hpp"

namespace fcd::store {

namespace {

// The items travel as ONE json parameter and are expanded by
// json_to_recordset: a multi-row statement that stays prepared whatever the
// batch size, with no value ever spliced into SQL.
constexpr const char* kItemColumns =
    "ord int, guid text, url text, canonical_url text, title text, summary text, content text,"
    " content_html text, author text, published bigint, language text, enclosures json,"
    " image text";

std::string without_nul(const std::string& s) {
  if (s.find('\0') == std::string::npos) return s;
  std::string out;
  out.reserve(s.size());
  for (char ch : s)
    if (ch != '\0') out.push_back(ch);
  return out;
}

nlohmann::json optional_text(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return without_nul(*s);
}

nlohmann::json enclosures_json(const std::vector<ArticleEnclosure>& enclosures) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : enclosures)
    out.push_back({{"url", without_nul(e.url)},
                   {"type", without_nul(e.type)},
                   {"length", e.length ? nlohmann::json(*e.length) : nlohmann::json(nullptr)}});
  return out;
}

// The source's new fetch state, written by both statements below; it
// releases the lease. A permanent redirect moves the URL unless another
// source already has it. A 410 disables the source as 'gone'.
//   $1 source  $2 instance  $3 now  $4 success  $5 HTTP status  $6 etag
//   $7 last_modified  $8 error (warning on success)  $9 next poll  $10 new URL
//   $11 body hash  $12 pending redirect URL  $13 pending redirect first seen
//   $14 gone (410)
constexpr const char* kStateAssignments =
    "last_polled_at = to_timestamp($3), last_status = $5,"
    " etag = CASE WHEN $4 THEN coalesce($6, s.etag) ELSE s.etag END,"
    " last_modified = CASE WHEN $4 THEN coalesce($7, s.last_modified) ELSE s.last_modified END,"
    // A success that parsed nothing (304, the same body: no $11)
    // stands for the body parsed last and keeps its warning.
    " last_error = CASE WHEN NOT $4 OR $8::text IS NOT NULL THEN $8"
    " WHEN $11::bigint IS NULL AND s.error_count = 0 THEN s.last_error END,"
    " error_count = CASE WHEN $4 THEN 0 ELSE s.error_count + 1 END,"
    " last_success_at = CASE WHEN $4 THEN to_timestamp($3) ELSE s.last_success_at END,"
    " next_poll_at = to_timestamp($9), lease_owner = NULL, lease_expires_at = NULL,"
    " body_hash = coalesce($11::bigint, s.body_hash),"
    " pending_redirect_url = $12::text, pending_redirect_since = to_timestamp($13),"
    " enabled = s.enabled AND NOT $14, disabled_by = CASE WHEN $14 THEN 'gone' ELSE s.disabled_by END,"
    " url_history = CASE WHEN $10::text IS NOT NULL AND $10 <> s.url"
    " AND NOT EXISTS (SELECT 1 FROM sources o WHERE o.url = $10)"
    " THEN s.url_history || jsonb_build_object('from', s.url, 'to', $10::text, 'at', to_timestamp($3))"
    " ELSE s.url_history END,"
    " url = CASE WHEN $10::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sources o WHERE o.url = $10)"
    " THEN $10 ELSE s.url END,"
    " updated_at = now()";

// Both statements run alone, outside BEGIN/COMMIT: one statement is one
// transaction, so a poll costs one round trip instead of four (BEGIN, SET
// LOCAL, the statement, COMMIT). The set_config call makes that transaction
// not wait for its WAL flush (see commit_poll); it is evaluated only when
// the lease is ours, and nothing is written otherwise.
constexpr const char* kNoFlushWait = "set_config('synchronous_commit', 'off', true)";

}  // namespace

void prepare_ingest_statements(pqxx::connection& c) {
  // A poll with items: lease check, identity drift, the batched upsert and
  // the source's new fetch state, in one statement. Every part is
  // conditioned on the lease: when it is no longer ours, the statement
  // changes nothing and returns no 'L' row.
  //   $1-$14 as kStateAssignments  $15 items (json)  $16 future tolerance (s)
  //   $17 drift window start  $18 change time (events)  $19 kChangeFeedLockKey
  c.prepare(
      "ingest_poll",
      std::string{"WITH lease AS (SELECT id, "} + kNoFlushWait +
          " FROM sources WHERE id = $1 AND lease_owner = $2 FOR UPDATE),"
          " incoming AS MATERIALIZED ("
          " SELECT i.ord, i.guid, i.url, i.canonical_url, coalesce(i.title, '') AS title,"
          " coalesce(i.summary, '') AS summary, coalesce(i.content, '') AS content, i.content_html, i.author,"
          " to_timestamp(i.published) AS published, i.language,"
          " coalesce(i.enclosures::jsonb, '[]'::jsonb) AS enclosures, i.image"
          " FROM json_to_recordset($15::json) AS i(" +
          kItemColumns +
          ") WHERE EXISTS (SELECT 1 FROM lease)),"
          // The incoming guids the source already has, read once, and
          // whether the item is unchanged (then it is not written at all).
          " known AS MATERIALIZED ("
          " SELECT n.guid, e.change_seq, (e.url, e.canonical_url, e.title, e.summary, e.content, e.content_html, e.author,"
          " e.published_at, e.language, e.enclosures, e.image)"
          " IS NOT DISTINCT FROM (n.url, n.canonical_url, n.title, n.summary, n.content, n.content_html,"
          " n.author, n.published, n.language, n.enclosures, n.image) AS unchanged"
          " FROM incoming n JOIN articles e ON e.source_id = $1 AND e.guid = n.guid),"
          // Identity drift: an incoming guid the source has never used, whose
          // text fingerprint and URL path match a recent stored item whose own
          // guid is not in this poll. That item takes the new guid and values
          // (its id, first_seen_at and story stay). One match per side.
          // Only new guids of a source with stored items can drift, so only
          // theirs are fingerprinted here (a source's first poll, and the
          // items it already has, cost no fingerprint beyond the generated
          // columns of the rows written).
          " fresh AS MATERIALIZED ("
          " SELECT n.*, fcd_content_hash(n.title, n.summary, n.content) AS hash,"
          " fcd_url_path(coalesce(n.canonical_url, n.url)) AS path"
          " FROM incoming n"
          " WHERE EXISTS (SELECT 1 FROM articles x WHERE x.source_id = $1)"
          " AND NOT EXISTS (SELECT 1 FROM known k WHERE k.guid = n.guid)),"
          // Anything to write takes the change-feed lock first (see
          // kChangeFeedLockKey): articles' visible_seq and story_events ids
          // are then assigned in commit order. A poll that changes nothing
          // does not take it.
          " feed_lock AS MATERIALIZED (SELECT 1 AS held FROM (SELECT pg_advisory_xact_lock($19) FROM"
          " (SELECT 1 FROM incoming n WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.guid = n.guid AND k.unchanged)"
          " LIMIT 1) w) l),"
          " candidates AS ("
          " SELECT DISTINCT ON (a.id) a.id, a.guid AS old_guid, a.url AS old_url, n.*"
          " FROM fresh n"
          " JOIN articles a ON a.source_id = $1 AND a.content_hash = n.hash AND a.url_path = n.path"
          " WHERE a.first_seen_at >= to_timestamp($17)"
          " AND NOT EXISTS (SELECT 1 FROM incoming o WHERE o.guid = a.guid)"
          " ORDER BY a.id, n.ord),"
          " picked AS (SELECT DISTINCT ON (guid) * FROM candidates ORDER BY guid, id),"
          " drift AS ("
          " UPDATE articles a SET guid = p.guid, url = p.url, canonical_url = p.canonical_url,"
          " content_html = p.content_html, author = p.author, published_at = p.published, language = p.language,"
          " enclosures = p.enclosures, image = p.image,"
          " updated_at = to_timestamp($3),"
          " visible_seq = nextval('article_visible_seq'),"
          " sort_at = CASE WHEN p.published IS NULL OR p.published > a.first_seen_at + make_interval(secs => $16)"
          " THEN a.first_seen_at ELSE p.published END"
          " FROM picked p CROSS JOIN feed_lock WHERE a.id = p.id"
          " RETURNING a.id, p.old_guid, p.guid AS new_guid, p.old_url, p.url AS new_url),"
          // A changed text gets a new change_seq and is offered to the
          // clusterer again; other changes (links, author, dates) are updated
          // without re-clustering. Unchanged items are left out before the
          // INSERT: DO UPDATE locks every conflicting row even when its WHERE
          // then skips the write, and those locks deadlocked with the
          // clusterer's updates of the same rows (seen in bench/soak). The
          // WHERE of DO UPDATE stays for a row that changed since the read.
          " up AS ("
          " INSERT INTO articles AS a (source_id, guid, url, canonical_url, title, summary, content,"
          " content_html, author, published_at, first_seen_at, updated_at, sort_at, language,"
          " enclosures, image)"
          " SELECT $1, n.guid, n.url, n.canonical_url, n.title, n.summary, n.content, n.content_html, n.author,"
          " n.published, to_timestamp($3), to_timestamp($3),"
          " CASE WHEN n.published IS NULL OR n.published > to_timestamp($3) + make_interval(secs => $16)"
          " THEN to_timestamp($3) ELSE n.published END, n.language, n.enclosures, n.image"
          " FROM incoming n CROSS JOIN feed_lock WHERE NOT EXISTS (SELECT 1 FROM picked p WHERE p.guid = n.guid)"
          " AND NOT EXISTS (SELECT 1 FROM known k WHERE k.guid = n.guid AND k.unchanged)"
          " ORDER BY n.ord"
          " ON CONFLICT (source_id, guid) DO UPDATE SET"
          " url = EXCLUDED.url, canonical_url = EXCLUDED.canonical_url, title = EXCLUDED.title,"
          " summary = EXCLUDED.summary, content = EXCLUDED.content, content_html = EXCLUDED.content_html,"
          " author = EXCLUDED.author, published_at = EXCLUDED.published_at, language = EXCLUDED.language,"
          " enclosures = EXCLUDED.enclosures, image = EXCLUDED.image,"
          " updated_at = EXCLUDED.updated_at,"
          " visible_seq = nextval('article_visible_seq'),"
          " sort_at = CASE WHEN EXCLUDED.published_at IS NULL"
          " OR EXCLUDED.published_at > a.first_seen_at + make_interval(secs => $16)"
          " THEN a.first_seen_at ELSE EXCLUDED.published_at END,"
          " change_seq = CASE WHEN (a.title, a.summary, a.content)"
          " IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.summary, EXCLUDED.content)"
          " THEN nextval('article_change_seq') ELSE a.change_seq END"
          " WHERE (a.url, a.canonical_url, a.title, a.summary, a.content, a.content_html, a.author,"
          " a.published_at, a.language, a.enclosures, a.image)"
          " IS DISTINCT FROM (EXCLUDED.url, EXCLUDED.canonical_url, EXCLUDED.title, EXCLUDED.summary,"
          " EXCLUDED.content, EXCLUDED.content_html, EXCLUDED.author, EXCLUDED.published_at,"
          " EXCLUDED.language, EXCLUDED.enclosures, EXCLUDED.image)"
          " RETURNING a.id, a.guid, a.change_seq, a.xmax = 0 AS inserted),"
          // New articles and new texts join the clusterer's queue.
          " queued AS (INSERT INTO cluster_queue (article_id, change_seq)"
          " SELECT u.id, u.change_seq FROM up u LEFT JOIN known k ON k.guid = u.guid"
          " WHERE u.inserted OR u.change_seq IS DISTINCT FROM k.change_seq ORDER BY u.id"
          " ON CONFLICT (article_id) DO UPDATE SET change_seq = EXCLUDED.change_seq),"
          // An article edited in place (or taken over by identity drift) is a
          // change of its story: an 'article_updated' event per story, its
          // last_updated moved, one NOTIFY (under the change-feed lock, taken
          // since something was written).
          " touched AS (SELECT DISTINCT p.story_id FROM (SELECT id FROM up WHERE NOT inserted"
          " UNION ALL SELECT id FROM drift) t JOIN article_placements p ON p.article_id = t.id"
          " WHERE p.story_id IS NOT NULL),"
          " bumped AS (UPDATE stories s SET last_updated = greatest(s.last_updated, to_timestamp($18))"
          " FROM touched t WHERE s.id = t.story_id RETURNING s.id, s.headline, s.article_count),"
          " recorded AS (INSERT INTO story_events (story_id, event, at, article_count, headline)"
          " SELECT b.id, 'article_updated', to_timestamp($18), b.article_count, b.headline"
          " FROM bumped b ORDER BY b.id RETURNING id),"
          " notified AS (SELECT pg_notify('" + std::string{kStoriesChannel} +
          "', json_build_object('first_id', min(id), 'last_id', max(id), 'count', count(*))::text)"
          " FROM recorded HAVING count(*) > 0),"
          " state AS (UPDATE sources s SET " +
          kStateAssignments +
          ", drift_count = s.drift_count + (SELECT count(*) FROM drift)"
          " FROM lease WHERE s.id = lease.id RETURNING s.id)"
          " SELECT 'L' AS kind, id, NULL::text, NULL::text, NULL::text, NULL::text FROM state"
          " UNION ALL SELECT 'D', id, old_guid, new_guid, old_url, new_url FROM drift"
          " UNION ALL SELECT CASE WHEN inserted THEN 'I' ELSE 'U' END, id, NULL, NULL, NULL, NULL FROM up"
          " UNION ALL SELECT 'N', 0, NULL, NULL, NULL, NULL FROM notified");

  // A poll without items (304, the same body, an error): the fetch state
  // alone. The whole ingest statement would still open articles and its
  // indexes for nothing; most polls of a warm pass are these. Returns the
  // source's 'L' row, as ingest_poll does, only when the lease was ours.
  c.prepare("poll_state", std::string{"UPDATE sources s SET "} + kStateAssignments +
                              " WHERE s.id = $1 AND s.lease_owner = $2 RETURNING 'L' AS kind, s.id, " +
                              kNoFlushWait);
}

IngestReport Store::commit_poll(core::SourceId source, const std::vector<ArticleInput>& items,
                                const FetchOutcome& outcome, core::TimePoint now) {
  return impl_->run("commit poll", [&](pqxx::connection& c) {
    IngestReport report;
    nlohmann::json batch = nlohmann::json::array();
    std::unordered_set<std::string> guids;
    int ord = 0;
    for (const auto& item : items) {
      std::string guid = without_nul(item.guid);
      if (guid.empty()) guid = without_nul(item.canonical_url.value_or(item.url.value_or("")));
      if (guid.empty()) {
        ++report.skipped;
        continue;
      }
      if (!guids.insert(guid).second) {
        ++report.unchanged;
        continue;
      }
      nlohmann::json row{{"ord", ord++},
                         {"guid", guid},
                         {"url", optional_text(item.url)},
                         {"canonical_url", optional_text(item.canonical_url)},
                         {"title", without_nul(item.title)},
                         {"summary", without_nul(item.summary)},
                         {"content", without_nul(item.content)},
                         {"content_html", optional_text(item.content_html)},
                         {"author", optional_text(item.author)},
                         {"published", nullptr},
                         {"language", optional_text(item.language)},
                         {"enclosures", enclosures_json(item.enclosures)},
                         {"image", optional_text(item.image)}};
      if (item.published_at) row["published"] = epoch(*item.published_at);
      batch.push_back(std::move(row));
    }
    const std::string json = batch.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

    // The unsigned hash's bits as PostgreSQL's signed bigint.
    std::optional<std::int64_t> body_hash;
    if (outcome.body_hash) body_hash = static_cast<std::int64_t>(*outcome.body_hash);
    std::optional<std::string> pending_url;
    std::optional<std::int64_t> pending_since;
    if (outcome.pending_redirect) {
      pending_url = outcome.pending_redirect->url;
      pending_since = epoch(outcome.pending_redirect->first_seen);
    }

    // One statement, so one transaction, that does not wait for its WAL
    // flush: a poll can always be fetched again, so a server crash losing
    // the last moments of polls costs only a re-poll (their leases expire),
    // while waiting for a flush per poll capped a warm pass (all 304) at the
    // disk's fsync rate. The WAL is flushed in order, so a durable later
    // commit (a cluster decision) makes this poll durable too: nothing
    // durable can refer to a lost article.
    pqxx::nontransaction tx(c);
    const std::optional<std::string> last_error = outcome.success ? outcome.warning : outcome.error;
    // $1-$14, the fetch state, are the same for both statements.
    const auto exec_with_state = [&](const char* statement, const auto&... item_parameters) {
      return tx.exec_prepared(statement, source, impl_->options.instance_id, epoch(now), outcome.success,
                              outcome.http_status, outcome.etag, outcome.last_modified, last_error,
                              epoch(outcome.next_poll_at), outcome.new_url, body_hash, pending_url, pending_since,
                              outcome.gone, item_parameters...);
    };
    const pqxx::result rows =
        batch.empty() ? exec_with_state("poll_state")
                      : exec_with_state("ingest_poll", json, static_cast<double>(impl_->options.future_tolerance.count()),
                                        epoch(now - impl_->options.drift_window), change_time(now),
                                        kChangeFeedLockKey);
    bool leased = false;
    std::unordered_set<std::int64_t> updated;
    for (const auto& r : rows) {
      const char kind = r[0].c_str()[0];
      const auto id = r[1].as<std::int64_t>();
      if (kind == 'L') {
        leased = true;
      } else if (kind == 'I') {
        ++report.inserted;
      } else if (kind == 'U') {
        updated.insert(id);
      } else if (kind == 'D') {
        updated.insert(id);
        report.drifts.push_back({id, r[2].as<std::string>(), r[3].as<std::string>(), opt_string(r[4]), opt_string(r[5])});
      }
    }
    if (!leased) throw LeaseLostError(source, impl_->options.instance_id);
    report.updated = static_cast<int>(updated.size());
    report.unchanged += static_cast<int>(batch.size()) - report.inserted - report.updated;
    return report;
  });
}

}  // namespace fcd::store
