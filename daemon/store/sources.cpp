// Sources: config sync, OPML/CLI upserts, listing, enable/disable, removal,
// and the leases that hand due sources to exactly one instance.
#include <algorithm>
#include <unordered_set>

#include "store/store.hpp"
#include "store/store_impl.hpp"

namespace fcd::store {

namespace {

constexpr const char* kSourceColumns =
    "id, url, title, to_json(tags)::text, origin, enabled, disabled_by, poll_interval_s,"
    " extract(epoch FROM next_poll_at)::bigint, extract(epoch FROM last_polled_at)::bigint,"
    " extract(epoch FROM last_success_at)::bigint, last_status, last_error, error_count,"
    " lease_owner, extract(epoch FROM lease_expires_at)::bigint, drift_count,"
    " lease_owner IS NOT NULL AND lease_expires_at > now() AND lease_session_alive(lease_session)";

// A lease no claimer may take at $1: not expired, and the session that took
// it is alive. A dead instance's leases are free at once (migration 0008).
constexpr const char* kLeaseInForce =
    "lease_owner IS NOT NULL AND lease_expires_at > to_timestamp($1) AND lease_session_alive(lease_session)";

// What both claims return, in the order claimed_source() reads it.
constexpr const char* kClaimedReturning =
    " RETURNING s.id, s.url, s.etag, s.last_modified, s.poll_interval_s, s.error_count,"
    " extract(epoch FROM s.lease_expires_at)::bigint, s.body_hash, s.pending_redirect_url,"
    " extract(epoch FROM s.pending_redirect_since)::bigint";

SourceRow read_source(const pqxx::row& r) {
  SourceRow s;
  s.id = r[0].as<std::int64_t>();
  s.url = r[1].as<std::string>();
  s.title = opt_string(r[2]);
  s.tags = json_strings(r[3]);
  s.origin = parse_source_origin(r[4].as<std::string>()).value_or(SourceOrigin::kConfig);
  s.enabled = r[5].as<bool>();
  s.disabled_by = opt_string(r[6]);
  if (auto i = opt_int(r[7])) s.interval = core::Duration{*i};
  s.next_poll_at = opt_time(r[8]);
  s.last_polled_at = opt_time(r[9]);
  s.last_success_at = opt_time(r[10]);
  if (auto st = opt_int(r[11])) s.last_status = static_cast<int>(*st);
  s.last_error = opt_string(r[12]);
  s.error_count = r[13].as<int>();
  s.lease_owner = opt_string(r[14]);
  s.lease_expires_at = opt_time(r[15]);
  s.drift_count = r[16].as<std::int64_t>();
  s.lease_held = r[17].as<bool>();
  return s;
}

std::optional<std::int64_t> interval_seconds(const SourceSpec& spec) {
  if (!spec.interval) return std::nullopt;
  return spec.interval->count();
}

std::optional<SourceRow> find_source(pqxx::work& tx, const std::string& url) {
  auto r = tx.exec_prepared("source_get", url);
  if (r.empty()) return std::nullopt;
  return read_source(r[0]);
}

void insert_source(pqxx::work& tx, const SourceSpec& spec, SourceOrigin origin) {
  tx.exec_prepared("source_insert", spec.url, spec.title, interval_seconds(spec), to_json_array(spec.tags),
                   to_string(origin));
}

}  // namespace

void prepare_source_statements(pqxx::connection& c) {
  c.prepare("source_get", std::string{"SELECT "} + kSourceColumns + " FROM sources WHERE url = $1 FOR UPDATE");
  c.prepare("source_list", std::string{"SELECT "} + kSourceColumns + " FROM sources ORDER BY id");
  c.prepare("source_insert",
            "INSERT INTO sources (url, title, poll_interval_s, tags, origin)"
            " VALUES ($1, $2, $3, ARRAY(SELECT json_array_elements_text($4::json)), $5)");
  c.prepare("source_update",
            "UPDATE sources SET title = $2, poll_interval_s = $3,"
            " tags = ARRAY(SELECT json_array_elements_text($4::json)), updated_at = now() WHERE id = $1");
  c.prepare("source_set_enabled",
            "UPDATE sources SET enabled = $2, disabled_by = $3, updated_at = now() WHERE id = $1");
  c.prepare("source_disable_unlisted",
            "UPDATE sources SET enabled = false, disabled_by = 'sync', updated_at = now()"
            " WHERE origin = 'config' AND enabled"
            " AND NOT (url = ANY (ARRAY(SELECT json_array_elements_text($1::json)))) RETURNING id");
  c.prepare("source_user_enable",
            "UPDATE sources SET enabled = $2, disabled_by = CASE WHEN $2 THEN NULL ELSE 'user' END,"
            " updated_at = now() WHERE url = $1 RETURNING id");
  c.prepare("source_article_ids", "SELECT id FROM articles WHERE source_id = $1 ORDER BY id");
  c.prepare("source_delete", "DELETE FROM sources WHERE id = $1");
  // The due scan locks candidates with SKIP LOCKED; under READ COMMITTED a row
  // another claimer just leased is re-checked against the WHERE clause after
  // its lock is released, so it no longer qualifies.
  c.prepare("source_claim",
            std::string{"WITH due AS ("
                        " SELECT id FROM sources"
                        " WHERE enabled AND (next_poll_at IS NULL OR next_poll_at <= to_timestamp($1))"
                        " AND NOT ("} + kLeaseInForce +
                ")"
                " ORDER BY next_poll_at NULLS FIRST, id LIMIT $3"
                " FOR UPDATE SKIP LOCKED)"
                " UPDATE sources s SET lease_owner = $2, lease_session = $5,"
                " lease_expires_at = to_timestamp($1) + make_interval(secs => $4)"
                " FROM due WHERE s.id = due.id" +
                kClaimedReturning);
  c.prepare("source_make_due",
            "UPDATE sources SET next_poll_at = to_timestamp($1)"
            " WHERE enabled AND ($2::text IS NULL OR url = $2) RETURNING id");
  c.prepare("source_claim_url",
            std::string{"UPDATE sources s SET lease_owner = $2, lease_session = $5,"
                        " lease_expires_at = to_timestamp($1) + make_interval(secs => $4)"
                        " WHERE url = $3 AND enabled AND NOT ("} +
                kLeaseInForce + ")" + kClaimedReturning);
  c.prepare("source_held_elsewhere",
            std::string{"SELECT id, url, lease_owner, extract(epoch FROM lease_expires_at)::bigint FROM sources"
                        " WHERE "} +
                kLeaseInForce + " AND lease_session IS DISTINCT FROM $2 ORDER BY id");
  c.prepare("source_counts",
            std::string{"SELECT count(*), count(*) FILTER (WHERE enabled),"
                        " count(*) FILTER (WHERE enabled AND coalesce(next_poll_at <= to_timestamp($1), true) AND NOT ("} +
                kLeaseInForce + ")), count(*) FILTER (WHERE " + kLeaseInForce + ") FROM sources");
  c.prepare("source_failing_counts",
            "SELECT last_status, split_part(coalesce(last_error, ''), ':', 1), count(*) FROM sources"
            " WHERE enabled AND error_count > 0 GROUP BY 1, 2 ORDER BY 1, 2");
  c.prepare("source_release_all",
            "UPDATE sources SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = $1");
  c.prepare("source_defer",
            "UPDATE sources SET next_poll_at = to_timestamp($3), lease_owner = NULL, lease_expires_at = NULL"
            " WHERE id = $1 AND lease_owner = $2 RETURNING id");
  c.prepare("source_renew",
            "UPDATE sources SET lease_expires_at = to_timestamp($3) + make_interval(secs => $4), lease_session = $5"
            " WHERE id = $1 AND lease_owner = $2 RETURNING id");
}

SyncCounts Store::sync_config_sources(const std::vector<SourceSpec>& specs) {
  return impl_->run("sync config sources", [&](pqxx::connection& c) {
    SyncCounts counts;
    pqxx::work tx(c);
    std::vector<std::string> listed;
    std::unordered_set<std::string> seen;
    for (const auto& spec : specs) {
      if (!seen.insert(spec.url).second) continue;
      listed.push_back(spec.url);
      auto existing = find_source(tx, spec.url);
      if (!existing) {
        insert_source(tx, spec, SourceOrigin::kConfig);
        ++counts.added;
        continue;
      }
      if (existing->origin != SourceOrigin::kConfig) {
        ++counts.skipped;
        continue;
      }
      bool touched = false;
      if (existing->title != spec.title || existing->interval != spec.interval || existing->tags != spec.tags) {
        tx.exec_prepared("source_update", existing->id, spec.title, interval_seconds(spec),
                         to_json_array(spec.tags));
        ++counts.updated;
        touched = true;
      }
      // Only a sync's own disabling is undone; a user's `sources disable` stands.
      if (!existing->enabled && existing->disabled_by == "sync") {
        tx.exec_prepared("source_set_enabled", existing->id, true, std::optional<std::string>{});
        ++counts.reenabled;
        touched = true;
      }
      if (!touched) ++counts.unchanged;
    }
    counts.disabled = static_cast<int>(tx.exec_prepared("source_disable_unlisted", to_json_array(listed)).size());
    tx.commit();
    return counts;
  });
}

UpsertCounts Store::upsert_sources(const std::vector<SourceSpec>& specs, SourceOrigin origin) {
  return impl_->run("add sources", [&](pqxx::connection& c) {
    UpsertCounts counts;
    pqxx::work tx(c);
    for (const auto& spec : specs) {
      auto existing = find_source(tx, spec.url);
      if (!existing) {
        insert_source(tx, spec, origin);
        ++counts.added;
        continue;
      }
      auto title = spec.title ? spec.title : existing->title;
      auto interval = spec.interval ? spec.interval : existing->interval;
      auto tags = existing->tags;
      for (const auto& tag : spec.tags)
        if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
      if (title == existing->title && interval == existing->interval && tags == existing->tags) {
        ++counts.unchanged;
        continue;
      }
      std::optional<std::int64_t> seconds;
      if (interval) seconds = interval->count();
      tx.exec_prepared("source_update", existing->id, title, seconds, to_json_array(tags));
      ++counts.updated;
    }
    tx.commit();
    return counts;
  });
}

std::vector<SourceRow> Store::list_sources() {
  return impl_->run("list sources", [](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<SourceRow> rows;
    for (const auto& r : tx.exec_prepared("source_list")) rows.push_back(read_source(r));
    return rows;
  });
}

bool Store::set_source_enabled(const std::string& url, bool enabled) {
  return impl_->run(enabled ? "enable source" : "disable source", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    const bool found = !tx.exec_prepared("source_user_enable", url, enabled).empty();
    tx.commit();
    return found;
  });
}

RemoveResult Store::remove_source(const std::string& url) {
  return impl_->run("remove source", [&](pqxx::connection& c) {
    RemoveResult result;
    pqxx::work tx(c);
    auto existing = find_source(tx, url);
    if (!existing) return result;
    result.found = true;
    tx.exec_prepared("change_feed_lock", kChangeFeedLockKey);
    std::vector<std::int64_t> articles;
    for (const auto& r : tx.exec_prepared("source_article_ids", existing->id)) articles.push_back(r[0].as<std::int64_t>());
    const auto now = std::chrono::time_point_cast<core::Duration>(core::Clock::now());
    const auto stories = delete_articles(tx, articles, DeleteCause::kSourceRemoved, now);
    result.articles_deleted = static_cast<std::int64_t>(articles.size());
    tx.exec_prepared("source_delete", existing->id);
    result.stories_deleted = record_deletions(tx, stories, DeleteCause::kSourceRemoved, now);
    tx.commit();
    return result;
  });
}

namespace {

ClaimedSource claimed_source(const pqxx::row& r) {
  ClaimedSource s;
  s.id = r[0].as<std::int64_t>();
  s.url = r[1].as<std::string>();
  s.etag = opt_string(r[2]);
  s.last_modified = opt_string(r[3]);
  if (auto i = opt_int(r[4])) s.interval = core::Duration{*i};
  s.error_count = r[5].as<int>();
  s.lease_expires_at = from_epoch(r[6].as<std::int64_t>());
  if (auto hash = opt_int(r[7])) s.body_hash = static_cast<std::uint64_t>(*hash);
  if (auto url = opt_string(r[8])) s.pending_redirect = PendingRedirect{*url, from_epoch(r[9].as<std::int64_t>())};
  return s;
}

}  // namespace

std::vector<ClaimedSource> Store::claim_due_sources(core::TimePoint now, core::Duration lease, std::size_t limit) {
  return impl_->run("claim due sources", [&](pqxx::connection& c) {
    // One statement: autocommit is its transaction.
    pqxx::nontransaction tx(c);
    std::vector<ClaimedSource> claimed;
    auto rows = tx.exec_prepared("source_claim", epoch(now), impl_->options.instance_id,
                                 static_cast<std::int64_t>(limit), static_cast<double>(lease.count()),
                                 impl_->session_key);
    for (const auto& r : rows) claimed.push_back(claimed_source(r));
    std::sort(claimed.begin(), claimed.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return claimed;
  });
}

bool Store::renew_lease(core::SourceId source, core::TimePoint now, core::Duration lease) {
  return impl_->run("renew lease", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return !tx.exec_prepared("source_renew", source, impl_->options.instance_id, epoch(now),
                             static_cast<double>(lease.count()), impl_->session_key)
                .empty();
  });
}

bool Store::defer_poll(core::SourceId source, core::TimePoint next_poll_at) {
  return impl_->run("defer poll", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return !tx.exec_prepared("source_defer", source, impl_->options.instance_id, epoch(next_poll_at)).empty();
  });
}

int Store::release_leases() {
  return impl_->run("release leases", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return static_cast<int>(tx.exec_prepared("source_release_all", impl_->options.instance_id).affected_rows());
  });
}

std::optional<ClaimedSource> Store::claim_source(const std::string& url, core::TimePoint now, core::Duration lease) {
  return impl_->run("claim one source", [&](pqxx::connection& c) -> std::optional<ClaimedSource> {
    pqxx::nontransaction tx(c);
    auto rows = tx.exec_prepared("source_claim_url", epoch(now), impl_->options.instance_id, url,
                                 static_cast<double>(lease.count()), impl_->session_key);
    if (rows.empty()) return std::nullopt;
    return claimed_source(rows[0]);
  });
}

std::vector<HeldLease> Store::leases_held_elsewhere(core::TimePoint now) {
  return impl_->run("list leases held elsewhere", [&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<HeldLease> held;
    for (const auto& r : tx.exec_prepared("source_held_elsewhere", epoch(now), impl_->session_key))
      held.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                      from_epoch(r[3].as<std::int64_t>())});
    return held;
  });
}

SourceCounts Store::count_sources(core::TimePoint now) {
  return impl_->run("count sources", [&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    SourceCounts counts;
    const auto totals = tx.exec_prepared1("source_counts", epoch(now));
    counts.total = totals[0].as<std::int64_t>();
    counts.enabled = totals[1].as<std::int64_t>();
    counts.due = totals[2].as<std::int64_t>();
    counts.leased = totals[3].as<std::int64_t>();
    for (const auto& r : tx.exec_prepared("source_failing_counts")) {
      SourceCounts::Failing failing;
      if (auto status = opt_int(r[0])) failing.status = static_cast<int>(*status);
      failing.error_head = r[1].as<std::string>();
      failing.count = r[2].as<std::int64_t>();
      counts.failing.push_back(std::move(failing));
    }
    return counts;
  });
}

int Store::make_due(const std::optional<std::string>& url, core::TimePoint now) {
  return impl_->run("make sources due", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return static_cast<int>(tx.exec_prepared("source_make_due", epoch(now), url).size());
  });
}

}  // namespace fcd::store
