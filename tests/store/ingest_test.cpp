#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <pqxx/pqxx>

#include "test_database.hpp"

namespace fcd::store::test {
namespace {

const core::TimePoint kT0{core::Duration{1'750'000'000}};

ArticleInput item(std::string guid, std::string title, std::string content = "body") {
  ArticleInput a;
  a.guid = std::move(guid);
  a.url = "https://news.example/" + a.guid;
  a.title = std::move(title);
  a.summary = "summary of " + a.title;
  a.content = std::move(content);
  a.published_at = kT0 - core::Duration{3600};
  return a;
}

FetchOutcome ok(core::TimePoint next) {
  FetchOutcome o;
  o.http_status = 200;
  o.etag = "\"v1\"";
  o.last_modified = "Sun, 15 Jun 2025 15:00:00 GMT";
  o.next_poll_at = next;
  return o;
}

class IngestTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    SourceSpec s;
    s.url = "https://news.example/feed";
    store_->upsert_sources({s}, SourceOrigin::kCli);
    source_ = store_->list_sources().at(0).id;
  }
  // Claims the source (due at now) and commits one poll of it.
  IngestReport poll(const std::vector<ArticleInput>& items, core::TimePoint now, FetchOutcome outcome) {
    db_->exec("UPDATE sources SET next_poll_at = NULL");
    const auto claimed = store_->claim_due_sources(now, core::Duration{300}, 10);
    EXPECT_EQ(claimed.size(), 1u);
    return store_->commit_poll(source_, items, outcome, now);
  }
  IngestReport poll(const std::vector<ArticleInput>& items, core::TimePoint now) {
    return poll(items, now, ok(now + core::Duration{900}));
  }
  std::string articles_digest() const {
    return db_->scalar("SELECT md5(string_agg(a::text, '|' ORDER BY id)) FROM articles a");
  }
  core::SourceId source_ = 0;
};

TEST_F(IngestTest, SamePollTwiceStoresTheSameRows) {
  const std::vector<ArticleInput> items{item("a", "Alpha"), item("b", "Beta"), item("c", "Gamma")};
  auto first = poll(items, kT0);
  EXPECT_EQ(first.inserted, 3);
  const auto digest = articles_digest();
  auto second = poll(items, kT0 + core::Duration{900});
  EXPECT_EQ(second.inserted, 0);
  EXPECT_EQ(second.updated, 0);
  EXPECT_EQ(second.unchanged, 3);
  EXPECT_TRUE(second.drifts.empty());
  EXPECT_EQ(articles_digest(), digest) << "an unchanged re-poll must not write a single article column";
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM articles"), "3");
}

// ON CONFLICT DO UPDATE locks a conflicting row even when its WHERE skips the
// write; a re-poll that locked its unchanged rows deadlocked with the
// clusterer updating the same rows. Here another transaction holds a row: an
// unchanged re-poll must not wait for it.
TEST_F(IngestTest, AnUnchangedRepollWaitsForNoRowLock) {
  const std::vector<ArticleInput> items{item("a", "Alpha"), item("b", "Beta")};
  poll(items, kT0);
  pqxx::connection other{db_->url()};
  pqxx::work holder{other};
  holder.exec("SELECT id FROM articles WHERE guid = 'a' FOR UPDATE");

  auto repoll = std::async(std::launch::async, [&] { return poll(items, kT0 + core::Duration{900}); });
  const bool finished = repoll.wait_for(std::chrono::seconds{10}) == std::future_status::ready;
  holder.abort();
  const auto report = repoll.get();
  EXPECT_TRUE(finished) << "the unchanged re-poll waited for a row lock held by another transaction";
  EXPECT_EQ(report.unchanged, 2);
}

TEST_F(IngestTest, ChangedItemIsUpdatedInPlaceAndOfferedAgain) {
  poll({item("a", "Alpha"), item("b", "Beta")}, kT0);
  const auto id = db_->scalar("SELECT id FROM articles WHERE guid = 'a'");
  const auto seq = db_->scalar("SELECT change_seq FROM articles WHERE guid = 'a'");
  db_->exec("DELETE FROM cluster_queue");

  const auto later = kT0 + core::Duration{900};
  auto report = poll({item("a", "Alpha, updated"), item("b", "Beta")}, later);
  EXPECT_EQ(report.inserted, 0);
  EXPECT_EQ(report.updated, 1);
  EXPECT_EQ(report.unchanged, 1);
  EXPECT_EQ(db_->scalar("SELECT id FROM articles WHERE guid = 'a'"), id);
  EXPECT_EQ(db_->scalar("SELECT title FROM articles WHERE guid = 'a'"), "Alpha, updated");
  EXPECT_EQ(db_->scalar("SELECT extract(epoch FROM updated_at)::bigint FROM articles WHERE guid = 'a'"),
            std::to_string(later.time_since_epoch().count()));
  EXPECT_EQ(db_->scalar("SELECT extract(epoch FROM first_seen_at)::bigint FROM articles WHERE guid = 'a'"),
            std::to_string(kT0.time_since_epoch().count()));
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM cluster_queue q JOIN articles a ON a.id = q.article_id WHERE a.guid = 'a'"), "1");
  EXPECT_GT(std::stoll(db_->scalar("SELECT change_seq FROM articles WHERE guid = 'a'")), std::stoll(seq));
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM cluster_queue q JOIN articles a ON a.id = q.article_id WHERE a.guid = 'b'"), "0");
  EXPECT_EQ(db_->scalar("SELECT search @@ to_tsquery('simple', 'updated') FROM articles WHERE guid = 'a'"), "t")
      << "the full-text column follows the update";

  // A new link but the same text: updated, not re-clustered.
  db_->exec("DELETE FROM cluster_queue");
  auto moved = item("b", "Beta");
  moved.url = "https://news.example/b?moved";
  report = poll({item("a", "Alpha, updated"), moved}, later + core::Duration{900});
  EXPECT_EQ(report.updated, 1);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM cluster_queue q JOIN articles a ON a.id = q.article_id WHERE a.guid = 'b'"), "0");
}

TEST_F(IngestTest, IdentityDriftUpdatesTheStoredItem) {
  auto old_item = item("http://news.example/story/1", "Quake hits city", "Long text about the quake.");
  old_item.url = "http://news.example/story/1";
  poll({old_item, item("other", "Other")}, kT0);

  auto moved = old_item;
  moved.guid = "https://news.example/story/1";
  moved.url = "https://news.example/story/1";
  const auto report = poll({moved, item("other", "Other")}, kT0 + core::Duration{900});
  EXPECT_EQ(report.inserted, 0);
  EXPECT_EQ(report.updated, 1);
  ASSERT_EQ(report.drifts.size(), 1u);
  EXPECT_EQ(report.drifts[0].old_guid, "http://news.example/story/1");
  EXPECT_EQ(report.drifts[0].new_guid, "https://news.example/story/1");
  EXPECT_EQ(report.drifts[0].old_url, "http://news.example/story/1");
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM articles"), "2");
  EXPECT_EQ(db_->scalar("SELECT url FROM articles WHERE id = " + std::to_string(report.drifts[0].article_id)),
            "https://news.example/story/1");
  EXPECT_EQ(store_->list_sources().at(0).drift_count, 1);

  // Polling the new scheme again is plain unchanged.
  const auto again = poll({moved, item("other", "Other")}, kT0 + core::Duration{1800});
  EXPECT_EQ(again.unchanged, 2);
  EXPECT_TRUE(again.drifts.empty());
}

TEST_F(IngestTest, SameTextUnderAnotherPathIsANewItem) {
  auto first = item("1", "Daily briefing", "Same boilerplate text");
  first.url = "https://news.example/briefing/monday";
  poll({first}, kT0);
  auto second = item("2", "Daily briefing", "Same boilerplate text");
  second.url = "https://news.example/briefing/tuesday";
  const auto report = poll({second}, kT0 + core::Duration{900});
  EXPECT_EQ(report.inserted, 1);
  EXPECT_TRUE(report.drifts.empty());
  // And both present in one poll are two items, not a drift.
  auto third = item("3", "Daily briefing", "Same boilerplate text");
  third.url = "https://news.example/briefing/monday";
  const auto both = poll({first, third}, kT0 + core::Duration{1800});
  EXPECT_EQ(both.inserted, 1);
  EXPECT_TRUE(both.drifts.empty());
}

TEST_F(IngestTest, SortAtDistrustsFuturePublishedTimes) {
  auto past = item("past", "Past");
  auto near = item("near", "Near future");
  near.published_at = kT0 + core::Duration{60};
  auto far = item("far", "Far future");
  far.published_at = kT0 + core::Duration{86400};
  auto none = item("none", "No date");
  none.published_at.reset();
  poll({past, near, far, none}, kT0);
  auto sort_at = [this](const std::string& guid) {
    return std::stoll(db_->scalar("SELECT extract(epoch FROM sort_at)::bigint FROM articles WHERE guid = '" + guid + "'"));
  };
  const auto t0 = kT0.time_since_epoch().count();
  EXPECT_EQ(sort_at("past"), t0 - 3600);
  EXPECT_EQ(sort_at("near"), t0 + 60);
  EXPECT_EQ(sort_at("far"), t0);
  EXPECT_EQ(sort_at("none"), t0);
  EXPECT_EQ(db_->scalar("SELECT extract(epoch FROM published_at)::bigint FROM articles WHERE guid = 'far'"),
            std::to_string(t0 + 86400))
      << "the claimed time is kept as claimed";
}

TEST_F(IngestTest, FetchStateCommitsWithTheItemsAndReleasesTheLease) {
  poll({item("a", "Alpha")}, kT0);
  auto row = store_->list_sources().at(0);
  EXPECT_EQ(row.last_status, 200);
  EXPECT_EQ(row.error_count, 0);
  EXPECT_EQ(row.next_poll_at, kT0 + core::Duration{900});
  EXPECT_EQ(row.last_success_at, kT0);
  EXPECT_FALSE(row.lease_owner.has_value());
  EXPECT_EQ(db_->scalar("SELECT etag FROM sources"), "\"v1\"");

  FetchOutcome failed;
  failed.http_status = 503;
  failed.success = false;
  failed.error = "HTTP 503 Service Unavailable";
  failed.next_poll_at = kT0 + core::Duration{2000};
  poll({}, kT0 + core::Duration{1000}, failed);
  poll({}, kT0 + core::Duration{3000}, failed);
  row = store_->list_sources().at(0);
  EXPECT_EQ(row.error_count, 2);
  EXPECT_EQ(row.last_error, "HTTP 503 Service Unavailable");
  EXPECT_EQ(row.last_status, 503);
  EXPECT_EQ(row.last_success_at, kT0);
  EXPECT_EQ(db_->scalar("SELECT etag FROM sources"), "\"v1\"") << "a failure keeps the cache validators";

  poll({}, kT0 + core::Duration{4000});
  row = store_->list_sources().at(0);
  EXPECT_EQ(row.error_count, 0);
  EXPECT_FALSE(row.last_error.has_value());
}

TEST_F(IngestTest, PermanentRedirectMovesTheUrlAndKeepsHistory) {
  auto outcome = ok(kT0 + core::Duration{900});
  outcome.new_url = "https://news.example/new-feed";
  poll({item("a", "Alpha")}, kT0, outcome);
  EXPECT_EQ(store_->list_sources().at(0).url, "https://news.example/new-feed");
  EXPECT_EQ(db_->scalar("SELECT url_history->0->>'from' FROM sources"), "https://news.example/feed");
}

TEST_F(IngestTest, BodyHashAndPendingRedirectComeBackWithTheNextClaim) {
  // The hash uses all 64 bits: the top one must survive PostgreSQL's signed bigint.
  const std::uint64_t hash = 0xF00DFACE12345678ULL;
  const PendingRedirect pending{"https://news.example/moved", kT0};
  auto outcome = ok(kT0 + core::Duration{900});
  outcome.body_hash = hash;
  outcome.pending_redirect = pending;
  poll({item("a", "Alpha")}, kT0, outcome);

  db_->exec("UPDATE sources SET next_poll_at = NULL");
  auto claimed = store_->claim_due_sources(kT0 + core::Duration{1000}, core::Duration{300}, 10);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].body_hash, hash);
  EXPECT_EQ(claimed[0].pending_redirect, pending);

  // Unchanged body: only the fetch state is written; no hash given keeps the
  // stored one, no pending redirect clears it.
  const auto digest = articles_digest();
  EXPECT_EQ(store_->commit_poll(source_, {}, ok(kT0 + core::Duration{2000}), kT0 + core::Duration{1000}).inserted, 0);
  EXPECT_EQ(articles_digest(), digest);
  claimed = store_->claim_due_sources(kT0 + core::Duration{3000}, core::Duration{300}, 10);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].body_hash, hash);
  EXPECT_FALSE(claimed[0].pending_redirect.has_value());
  EXPECT_EQ(db_->scalar("SELECT pending_redirect_url IS NULL AND pending_redirect_since IS NULL FROM source_health"),
            "t");
}

TEST_F(IngestTest, GoneDisablesTheSourceAsGone) {
  FetchOutcome gone;
  gone.http_status = 410;
  gone.success = false;
  gone.error = "HTTP 410 Gone: source disabled";
  gone.next_poll_at = kT0;
  gone.gone = true;
  poll({}, kT0, gone);
  auto row = store_->list_sources().at(0);
  EXPECT_FALSE(row.enabled);
  EXPECT_EQ(row.disabled_by, "gone");
  EXPECT_EQ(row.last_status, 410);
  EXPECT_TRUE(store_->claim_due_sources(kT0 + core::Duration{60}, core::Duration{300}, 10).empty());

  EXPECT_TRUE(store_->set_source_enabled(row.url, true)) << "the user can try it again";
  row = store_->list_sources().at(0);
  EXPECT_TRUE(row.enabled);
  EXPECT_FALSE(row.disabled_by.has_value());
}

TEST_F(IngestTest, DeferredPollKeepsTheFetchStateAndReleasesTheLease) {
  poll({item("a", "Alpha")}, kT0);
  db_->exec("UPDATE sources SET next_poll_at = NULL");
  ASSERT_EQ(store_->claim_due_sources(kT0 + core::Duration{10}, core::Duration{300}, 10).size(), 1u);
  EXPECT_TRUE(store_->defer_poll(source_, kT0 + core::Duration{7200}));
  const auto row = store_->list_sources().at(0);
  EXPECT_EQ(row.next_poll_at, kT0 + core::Duration{7200});
  EXPECT_EQ(row.last_polled_at, kT0);
  EXPECT_EQ(row.last_status, 200);
  EXPECT_FALSE(row.lease_owner.has_value());
  EXPECT_FALSE(store_->defer_poll(source_, kT0)) << "the lease is no longer ours";
}

TEST_F(IngestTest, CommitWithoutTheLeaseWritesNothing) {
  poll({item("a", "Alpha")}, kT0);
  EXPECT_THROW(store_->commit_poll(source_, {item("b", "Beta")}, ok(kT0), kT0), LeaseLostError);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM articles"), "1");
  // A poll without items (a 304) takes the state-only path: same check.
  const auto state = db_->scalar("SELECT (last_polled_at, next_poll_at, etag)::text FROM sources");
  auto not_modified = ok(kT0 + core::Duration{7200});
  not_modified.http_status = 304;
  not_modified.etag = "\"v2\"";
  EXPECT_THROW(store_->commit_poll(source_, {}, not_modified, kT0 + core::Duration{60}), LeaseLostError);
  EXPECT_EQ(db_->scalar("SELECT (last_polled_at, next_poll_at, etag)::text FROM sources"), state);

  // Another instance took the expired lease over: the old holder's commit is refused.
  db_->exec("UPDATE sources SET next_poll_at = NULL");
  ASSERT_EQ(store_->claim_due_sources(kT0, core::Duration{60}, 1).size(), 1u);
  auto other = db_->open("other-instance");
  ASSERT_EQ(other->claim_due_sources(kT0 + core::Duration{120}, core::Duration{60}, 1).size(), 1u);
  EXPECT_THROW(store_->commit_poll(source_, {item("b", "Beta")}, ok(kT0), kT0 + core::Duration{130}), LeaseLostError);
  EXPECT_EQ(other->commit_poll(source_, {item("b", "Beta")}, ok(kT0), kT0 + core::Duration{130}).inserted, 1);
}

TEST_F(IngestTest, OddInputIsStoredNotRejected) {
  auto nul = item("nul", std::string("Tit\0le", 6));
  auto bad_utf8 = item("utf8", "Caf\xe9 au lait");
  auto no_guid = item("", "Link only");
  auto nothing = item("", "Nothing");
  nothing.url.reset();
  const auto report = poll({nul, bad_utf8, item("nul", "Repeated guid"), no_guid, nothing}, kT0);
  EXPECT_EQ(report.inserted, 3);
  EXPECT_EQ(report.unchanged, 1);
  EXPECT_EQ(report.skipped, 1);
  EXPECT_EQ(db_->scalar("SELECT title FROM articles WHERE guid = 'nul'"), "Title");
  EXPECT_EQ(db_->scalar("SELECT guid FROM articles WHERE title = 'Link only'"), "https://news.example/");
}

}  // namespace
}  // namespace fcd::store::test
