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
    " content_html text, author text, published bigint, language text, simhash bigint";

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

}  // namespace

void prepare_ingest_statements(pqxx::connection& c) {
  c.prepare("ingest_lock_source",
            "SELECT id FROM sources WHERE id = $1 AND lease_owner = $2 FOR UPDATE");
  // Identity drift: an incoming guid the source has never used, whose text
  // fingerprint and URL path match a recent stored item whose own guid is not
  // in this poll. That item takes the new guid, so the upsert below updates it
  // in place. Each stored item and each incoming guid is matched at most once.
  c.prepare("ingest_drift",
            std::string{"WITH incoming AS ("
                        " SELECT i.ord, i.guid, i.url,"
                        " fcd_content_hash(coalesce(i.title, ''), coalesce(i.summary, ''), coalesce(i.content, '')) AS hash,"
                        " fcd_url_path(coalesce(i.canonical_url, i.url)) AS path"
                        " FROM json_to_recordset($2::json) AS i("} +
                kItemColumns +
                ")),"
                " candidates AS ("
                " SELECT DISTINCT ON (a.id) a.id, a.guid AS old_guid, a.url AS old_url, n.guid AS new_guid,"
                " n.url AS new_url"
                " FROM incoming n"
                " JOIN articles a ON a.source_id = $1 AND a.content_hash = n.hash AND a.url_path = n.path"
                " WHERE a.first_seen_at >= to_timestamp($3)"
                " AND NOT EXISTS (SELECT 1 FROM articles e WHERE e.source_id = $1 AND e.guid = n.guid)"
                " AND NOT EXISTS (SELECT 1 FROM incoming o WHERE o.guid = a.guid)"
                " ORDER BY a.id, n.ord),"
                " picked AS (SELECT DISTINCT ON (new_guid) * FROM candidates ORDER BY new_guid, id)"
                " UPDATE articles a SET guid = p.new_guid FROM picked p WHERE a.id = p.id"
                " RETURNING a.id, p.old_guid, p.new_guid, p.old_url, p.new_url");
  // $3 now, $4 future tolerance (seconds). A changed text gets a new
  // change_seq and is offered to the clusterer again; other changes (links,
  // author, dates) are updated without re-clustering. Unchanged rows are not
  // written at all (the WHERE of DO UPDATE), so re-polls cost no bloat.
  c.prepare("ingest_upsert",
            std::string{
                "INSERT INTO articles AS a (source_id, guid, url, canonical_url, title, summary, content,"
                " content_html, author, published_at, first_seen_at, updated_at, sort_at, language, simhash)"
                " SELECT $1, i.guid, i.url, i.canonical_url, coalesce(i.title, ''), coalesce(i.summary, ''),"
                " coalesce(i.content, ''), i.content_html, i.author, to_timestamp(i.published),"
                " to_timestamp($3), to_timestamp($3),"
                " CASE WHEN i.published IS NULL"
                " OR to_timestamp(i.published) > to_timestamp($3) + make_interval(secs => $4) THEN to_timestamp($3)"
                " ELSE to_timestamp(i.published) END,"
                " i.language, i.simhash"
                " FROM json_to_recordset($2::json) AS i("} +
                kItemColumns +
                ") ORDER BY i.ord"
                " ON CONFLICT (source_id, guid) DO UPDATE SET"
                " url = EXCLUDED.url, canonical_url = EXCLUDED.canonical_url, title = EXCLUDED.title,"
                " summary = EXCLUDED.summary, content = EXCLUDED.content, content_html = EXCLUDED.content_html,"
                " author = EXCLUDED.author, published_at = EXCLUDED.published_at, language = EXCLUDED.language,"
                " simhash = coalesce(EXCLUDED.simhash, a.simhash), updated_at = EXCLUDED.updated_at,"
                " sort_at = CASE WHEN EXCLUDED.published_at IS NULL"
                " OR EXCLUDED.published_at > a.first_seen_at + make_interval(secs => $4)"
                " THEN a.first_seen_at ELSE EXCLUDED.published_at END,"
                " change_seq = CASE WHEN (a.title, a.summary, a.content)"
                " IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.summary, EXCLUDED.content)"
                " THEN nextval('article_change_seq') ELSE a.change_seq END,"
                " cluster_pending = a.cluster_pending OR (a.title, a.summary, a.content)"
                " IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.summary, EXCLUDED.content)"
                " WHERE (a.url, a.canonical_url, a.title, a.summary, a.content, a.content_html, a.author,"
                " a.published_at, a.language)"
                " IS DISTINCT FROM (EXCLUDED.url, EXCLUDED.canonical_url, EXCLUDED.title, EXCLUDED.summary,"
                " EXCLUDED.content, EXCLUDED.content_html, EXCLUDED.author, EXCLUDED.published_at,"
                " EXCLUDED.language)"
                " RETURNING a.id, a.xmax = 0");
  // $2 now; $3 success; the lease is released; a permanent redirect moves
  // the URL unless another source already has it.
  c.prepare("ingest_source_state",
            "UPDATE sources SET last_polled_at = to_timestamp($2), last_status = $4,"
            " etag = CASE WHEN $3 THEN coalesce($5, etag) ELSE etag END,"
            " last_modified = CASE WHEN $3 THEN coalesce($6, last_modified) ELSE last_modified END,"
            " last_error = CASE WHEN $3 THEN NULL ELSE $7 END,"
            " error_count = CASE WHEN $3 THEN 0 ELSE error_count + 1 END,"
            " last_success_at = CASE WHEN $3 THEN to_timestamp($2) ELSE last_success_at END,"
            " next_poll_at = to_timestamp($8), lease_owner = NULL, lease_expires_at = NULL,"
            " drift_count = drift_count + $9,"
            " url_history = CASE WHEN $10::text IS NOT NULL AND $10 <> url"
            " AND NOT EXISTS (SELECT 1 FROM sources o WHERE o.url = $10)"
            " THEN url_history || jsonb_build_object('from', url, 'to', $10::text, 'at', to_timestamp($2))"
            " ELSE url_history END,"
            " url = CASE WHEN $10::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sources o WHERE o.url = $10)"
            " THEN $10 ELSE url END,"
            " updated_at = now()"
            " WHERE id = $1");
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
                         {"simhash", nullptr}};
      if (item.published_at) row["published"] = epoch(*item.published_at);
      if (item.simhash) row["simhash"] = *item.simhash;
      batch.push_back(std::move(row));
    }
    const std::string json = batch.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

    pqxx::work tx(c);
    if (tx.exec_prepared("ingest_lock_source", source, impl_->options.instance_id).empty())
      throw LeaseLostError(source, impl_->options.instance_id);

    std::unordered_set<std::int64_t> updated;
    if (!batch.empty()) {
      for (const auto& r : tx.exec_prepared("ingest_drift", source, json, epoch(now - impl_->options.drift_window))) {
        IdentityDrift d;
        d.article_id = r[0].as<std::int64_t>();
        d.old_guid = r[1].as<std::string>();
        d.new_guid = r[2].as<std::string>();
        d.old_url = opt_string(r[3]);
        d.new_url = opt_string(r[4]);
        updated.insert(d.article_id);
        report.drifts.push_back(std::move(d));
      }
      for (const auto& r : tx.exec_prepared("ingest_upsert", source, json, epoch(now),
                                            static_cast<double>(impl_->options.future_tolerance.count()))) {
        if (r[1].as<bool>())
          ++report.inserted;
        else
          updated.insert(r[0].as<std::int64_t>());
      }
    }
    report.updated = static_cast<int>(updated.size());
    report.unchanged += static_cast<int>(batch.size()) - report.inserted - report.updated;

    std::optional<int> status = outcome.http_status;
    tx.exec_prepared("ingest_source_state", source, epoch(now), outcome.success, status, outcome.etag,
                     outcome.last_modified, outcome.error, epoch(outcome.next_poll_at),
                     static_cast<std::int64_t>(report.drifts.size()), outcome.new_url);
    tx.commit();
    return report;
  });
}

}  // namespace fcd::store
