#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "test_database.hpp"

namespace fcd::store::test {
namespace {

const core::TimePoint kT0{core::Duration{1'750'000'000}};

class ClusterTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    add_two_sources(*store_);
  }
  // Stores items for the source with this URL, first seen at now.
  void ingest(const std::string& url, const std::vector<std::string>& titles, core::TimePoint now) {
    db_->exec("UPDATE sources SET next_poll_at = NULL WHERE url = '" + url + "'");
    for (const auto& s : store_->claim_due_sources(now, core::Duration{60}, 10)) {
      std::vector<ArticleInput> items;
      if (s.url == url) {
        for (const auto& t : titles) {
          ArticleInput a;
          a.guid = t;
          a.title = t;
          a.url = url + "/" + t;
          items.push_back(a);
        }
      }
      FetchOutcome o;
      o.next_poll_at = now + core::Duration{600};
      store_->commit_poll(s.id, items, o, now);
    }
  }
  core::ArticleId article(const std::string& guid) { return std::stoll(db_->scalar("SELECT id FROM articles WHERE guid = '" + guid + "'")); }
};

MembershipWrite member(const PendingArticle& a, std::int64_t key, DedupLevel level, double score,
                       std::optional<core::ArticleId> dup = std::nullopt) {
  MembershipWrite m;
  m.article_id = a.id;
  m.change_seq = a.change_seq;
  m.story_key = key;
  m.level = level;
  m.score = score;
  m.duplicate_of = dup;
  m.matched_terms = {"quake", "city"};
  return m;
}

TEST_F(ClusterTest, DecisionsBuildStoriesRecordEventsAndNotify) {
  ingest("https://a.example/feed", {"a1", "a2"}, kT0);
  ingest("https://b.example/feed", {"b1"}, kT0 + core::Duration{60});

  pqxx::connection listen_conn{db_->url()};
  Listener listener{listen_conn, "feedclusterd_stories"};

  EXPECT_THROW(store_->write_cluster_batch({}, kT0), NotClustererError);
  ASSERT_TRUE(store_->try_acquire_clusterer_lock());
  auto pending = store_->pending_articles(0, 100);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_LT(pending[0].change_seq, pending[1].change_seq);
  EXPECT_LT(pending[1].change_seq, pending[2].change_seq);
  EXPECT_EQ(store_->pending_articles(pending[1].change_seq, 100).size(), 1u) << "resumes after a seq";

  ClusterBatch batch;
  batch.stories.push_back({1, std::nullopt, "Quake hits city", std::vector<std::string>{"quake", "city"}});
  batch.memberships.push_back(member(pending[0], 1, DedupLevel::kSeed, 1.0));
  batch.memberships.push_back(member(pending[1], 1, DedupLevel::kStory, 0.61));
  batch.memberships.push_back(member(pending[2], 1, DedupLevel::kNear, 0.93, pending[0].id));
  const auto result = store_->write_cluster_batch(batch, kT0 + core::Duration{120});
  ASSERT_EQ(result.story_ids.size(), 1u);
  const auto story = result.story_ids[0].second;
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].kind, StoryEventKind::kCreated);
  EXPECT_EQ(result.events[0].article_count, 3);

  EXPECT_TRUE(store_->pending_articles(0, 100).empty());
  const auto s = std::to_string(story);
  EXPECT_EQ(db_->scalar("SELECT article_count || '/' || source_count FROM stories WHERE id = " + s), "3/2");
  EXPECT_EQ(db_->scalar("SELECT extract(epoch FROM first_seen)::bigint FROM stories WHERE id = " + s),
            std::to_string(kT0.time_since_epoch().count()));
  EXPECT_EQ(db_->scalar("SELECT p.duplicate_of FROM article_placements p JOIN articles a ON a.id = p.article_id WHERE a.guid = 'b1'"), std::to_string(pending[0].id));
  EXPECT_EQ(db_->scalar("SELECT dedup_level || ' ' || cluster_score || ' ' || array_to_string(matched_terms, ',')"
                        " FROM article_placements p JOIN articles a ON a.id = p.article_id WHERE a.guid = 'b1'"),
            "near 0.93 quake,city");
  EXPECT_EQ(db_->scalar("SELECT string_agg(event, ',') FROM story_events WHERE story_id = " + s), "created");

  listen_conn.await_notification(5, 0);
  ASSERT_EQ(listener.payloads.size(), 1u);
  EXPECT_EQ(listener.payloads[0]["first_id"], result.events[0].id);
  EXPECT_EQ(listener.payloads[0]["last_id"], result.events[0].id);
  EXPECT_EQ(listener.payloads[0]["count"], 1);
  EXPECT_EQ(result.events[0].headline, "Quake hits city");

  // A new article joins: the story grew.
  ingest("https://a.example/feed", {"a3"}, kT0 + core::Duration{600});
  pending = store_->pending_articles(0, 100);
  ASSERT_EQ(pending.size(), 1u);
  ClusterBatch grow;
  grow.stories.push_back({7, story, std::nullopt, std::nullopt});
  grow.memberships.push_back(member(pending[0], 7, DedupLevel::kStory, 0.5));
  const auto grown = store_->write_cluster_batch(grow, kT0 + core::Duration{700});
  ASSERT_EQ(grown.events.size(), 1u);
  EXPECT_EQ(grown.events[0].kind, StoryEventKind::kGrew);
  EXPECT_EQ(grown.events[0].article_count, 4);
  EXPECT_EQ(db_->scalar("SELECT headline FROM stories WHERE id = " + s), "Quake hits city");
  listen_conn.await_notification(5, 0);
  ASSERT_EQ(listener.payloads.size(), 2u);
  EXPECT_EQ(listener.payloads[1]["first_id"], grown.events[0].id);
  EXPECT_EQ(db_->scalar("SELECT event FROM story_events WHERE id = " + std::to_string(grown.events[0].id)), "grew");
}

TEST_F(ClusterTest, ArticleChangedAfterReadStaysPending) {
  ingest("https://a.example/feed", {"a1"}, kT0);
  ASSERT_TRUE(store_->try_acquire_clusterer_lock());
  const auto pending = store_->pending_articles(0, 10);
  ASSERT_EQ(pending.size(), 1u);
  // As a poll storing a new text does: a new change_seq, queued again.
  db_->exec("UPDATE articles SET title = 'a1 v2', change_seq = nextval('article_change_seq')");
  db_->exec("UPDATE cluster_queue q SET change_seq = a.change_seq FROM articles a WHERE a.id = q.article_id");
  ClusterBatch batch;
  batch.stories.push_back({1, std::nullopt, "A", std::nullopt});
  batch.memberships.push_back(member(pending[0], 1, DedupLevel::kSeed, 1.0));
  store_->write_cluster_batch(batch, kT0);
  const auto again = store_->pending_articles(0, 10);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].title, "a1 v2");
  EXPECT_TRUE(again[0].story_id.has_value());
}

TEST_F(ClusterTest, MergeMovesArticlesAndRecordsIt) {
  ingest("https://a.example/feed", {"a1", "a2"}, kT0);
  ASSERT_TRUE(store_->try_acquire_clusterer_lock());
  auto pending = store_->pending_articles(0, 10);
  ASSERT_EQ(pending.size(), 2u);
  ClusterBatch two;
  two.stories.push_back({1, std::nullopt, "One", std::nullopt});
  two.stories.push_back({2, std::nullopt, "Two", std::nullopt});
  two.memberships.push_back(member(pending[0], 1, DedupLevel::kSeed, 1.0));
  two.memberships.push_back(member(pending[1], 2, DedupLevel::kSeed, 1.0));
  const auto ids = store_->write_cluster_batch(two, kT0).story_ids;
  const auto one_id = ids[0].second, two_id = ids[1].second;

  ClusterBatch merge;
  merge.stories.push_back({1, one_id, std::nullopt, std::nullopt});
  merge.stories.push_back({2, two_id, std::nullopt, std::nullopt});
  merge.merges.push_back({2, 1});
  const auto result = store_->write_cluster_batch(merge, kT0 + core::Duration{60});
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0].kind, StoryEventKind::kGrew);
  EXPECT_EQ(result.events[0].story_id, one_id);
  EXPECT_EQ(result.events[1].kind, StoryEventKind::kMerged);
  EXPECT_EQ(result.events[1].story_id, two_id);
  EXPECT_EQ(result.events[1].merged_into, one_id);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM article_placements WHERE story_id = " + std::to_string(one_id)), "2");
  EXPECT_EQ(db_->scalar("SELECT merged_into FROM stories WHERE id = " + std::to_string(two_id)), std::to_string(one_id));
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM latest_stories"), "1");
}

TEST_F(ClusterTest, ClustererLockIsTakenOverWhenTheHolderDies) {
  auto a = db_->open("a");
  auto b = db_->open("b");
  ASSERT_TRUE(a->try_acquire_clusterer_lock());
  EXPECT_TRUE(a->holds_clusterer_lock());
  EXPECT_FALSE(b->try_acquire_clusterer_lock());
  a.reset();  // the holder's process (and connection) goes away
  EXPECT_TRUE(acquire_clusterer_lock_eventually(*b));
  b->release_clusterer_lock();
  EXPECT_FALSE(b->holds_clusterer_lock());
  EXPECT_TRUE(store_->try_acquire_clusterer_lock());
}

TEST_F(ClusterTest, RetentionDeletesOldArticlesInBatchesAndEmptyStories) {
  ingest("https://a.example/feed", {"old1", "old2", "old3"}, kT0);
  ingest("https://b.example/feed", {"new1"}, kT0 + core::Duration{10 * 86400});
  ASSERT_TRUE(store_->try_acquire_clusterer_lock());
  const auto pending = store_->pending_articles(0, 10);
  ASSERT_EQ(pending.size(), 4u);
  ClusterBatch batch;
  batch.stories.push_back({1, std::nullopt, "Old only", std::nullopt});
  batch.stories.push_back({2, std::nullopt, "Old and new", std::nullopt});
  batch.memberships.push_back(member(pending[0], 1, DedupLevel::kSeed, 1.0));
  batch.memberships.push_back(member(pending[1], 1, DedupLevel::kStory, 0.5));
  batch.memberships.push_back(member(pending[2], 2, DedupLevel::kSeed, 1.0));
  batch.memberships.push_back(member(pending[3], 2, DedupLevel::kNear, 0.9, pending[2].id));
  const auto ids = store_->write_cluster_batch(batch, kT0 + core::Duration{10 * 86400}).story_ids;

  const auto cutoff = kT0 + core::Duration{86400};
  std::int64_t articles = 0, stories = 0;
  for (int batches = 0;; ++batches) {
    ASSERT_LT(batches, 10);
    const auto r = store_->delete_articles_before(cutoff, 2);
    EXPECT_LE(r.articles_deleted, 2);
    if (r.articles_deleted == 0) break;
    articles += r.articles_deleted;
    stories += r.stories_deleted;
  }
  EXPECT_EQ(articles, 3);
  EXPECT_EQ(stories, 1);
  EXPECT_EQ(db_->scalar("SELECT string_agg(guid, ',') FROM articles"), "new1");
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM stories WHERE id = " + std::to_string(ids[0].second)), "0");
  const auto kept = std::to_string(ids[1].second);
  EXPECT_EQ(db_->scalar("SELECT article_count FROM stories WHERE id = " + kept), "1");
  EXPECT_EQ(db_->scalar("SELECT p.duplicate_of IS NULL FROM article_placements p JOIN articles a ON a.id = p.article_id WHERE a.guid = 'new1'"), "t");
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM sources"), "2") << "retention touches articles and stories only";
}


// A score decayed by a gap of years underflows a real ("2.07e-175" is out of
// range for type real): the whole batch used to roll back, on every retry.
TEST_F(ClusterTest, ScoresOutsideARealAreStoredFiniteAndInRange) {
  ingest("https://a.example/feed", {"tiny", "denormal", "nan", "inf", "huge", "normal"}, kT0);
  ASSERT_TRUE(store_->try_acquire_clusterer_lock());
  const auto pending = store_->pending_articles(0, 100);
  ASSERT_EQ(pending.size(), 6u);
  const double scores[] = {2.07e-175, 4.9e-324, std::nan(""), std::numeric_limits<double>::infinity(), -1e300, 0.25};
  ClusterBatch batch;
  batch.stories.push_back({1, std::nullopt, "Scores", std::vector<std::string>{}});
  for (std::size_t i = 0; i < pending.size(); ++i)
    batch.memberships.push_back(member(pending[i], 1, DedupLevel::kStory, scores[i]));
  ASSERT_NO_THROW(store_->write_cluster_batch(batch, kT0));
  EXPECT_EQ(db_->scalar("SELECT string_agg(a.guid || '=' || p.cluster_score, ',' ORDER BY a.id) FROM articles a"
                        " JOIN article_placements p ON p.article_id = a.id"),
            "tiny=0,denormal=0,nan=0,inf=3.4028235e+38,huge=-3.4028235e+38,normal=0.25");
  EXPECT_EQ(storable_score(1e-30), 1e-30);
  EXPECT_EQ(storable_score(-2.07e-175), 0.0);
}

// An article set aside is no longer pending, is listed with its reason and
// counted per source; it is offered again when its text changes, and placing
// it removes the record.
TEST_F(ClusterTest, SetAsideArticlesLeaveTheQueueWithTheirReasonUntilTheirTextChanges) {
  ingest("https://a.example/feed", {"bad", "good"}, kT0);
  const auto bad = article("bad");
  EXPECT_THROW(store_->set_aside({{bad, 1, SetAsideStage::kWrite, "x"}}, kT0), NotClustererError);
  ASSERT_TRUE(store_->try_acquire_clusterer_lock());
  auto pending = store_->pending_articles(0, 100);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(store_->clustering_backlog().waiting, 2);
  EXPECT_EQ(store_->set_aside({{bad, pending[0].change_seq, SetAsideStage::kEngine, "engine: boom"}}, kT0), 1);

  pending = store_->pending_articles(0, 100);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].title, "good");
  const auto backlog = store_->clustering_backlog();
  EXPECT_EQ(backlog.waiting, 1);
  EXPECT_EQ(backlog.set_aside, 1);
  EXPECT_EQ(db_->scalar("SELECT string_agg(title || ':' || state || ':' || coalesce(stage, '-') || ':' ||"
                        " coalesce(reason, '-'), ',' ORDER BY article_id) FROM unplaced_articles"),
            "bad:set aside:engine:engine: boom,good:waiting:-:-");
  EXPECT_EQ(db_->scalar("SELECT articles_waiting || '/' || articles_set_aside FROM source_health"
                        " WHERE url = 'https://a.example/feed'"),
            "1/1");
  EXPECT_EQ(db_->scalar("SELECT articles_waiting || '/' || articles_set_aside FROM source_health"
                        " WHERE url = 'https://b.example/feed'"),
            "0/0");
  EXPECT_EQ(store_->requeue_set_aside_of_other_versions(), 0) << "this version set it aside";

  // The feed changes the article's text: it is offered again.
  db_->exec("UPDATE sources SET next_poll_at = NULL");
  for (const auto& s : store_->claim_due_sources(kT0 + core::Duration{60}, core::Duration{60}, 10)) {
    std::vector<ArticleInput> items;
    if (s.url == "https://a.example/feed") {
      ArticleInput a;
      a.guid = "bad";
      a.title = "bad, corrected";
      a.url = s.url + "/bad";
      items.push_back(a);
    }
    FetchOutcome o;
    o.next_poll_at = kT0 + core::Duration{600};
    store_->commit_poll(s.id, items, o, kT0 + core::Duration{60});
  }
  pending = store_->pending_articles(0, 100);
  ASSERT_EQ(pending.size(), 2u);
  ClusterBatch batch;
  batch.stories.push_back({1, std::nullopt, "Placed", std::vector<std::string>{}});
  for (const auto& p : pending) batch.memberships.push_back(member(p, 1, DedupLevel::kStory, 0.5));
  store_->write_cluster_batch(batch, kT0 + core::Duration{120});
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM cluster_set_aside"), "0");
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM unplaced_articles"), "0");
  EXPECT_EQ(store_->clustering_backlog().set_aside, 0);
}

// A set-aside article whose text changed before the record was written stays
// pending (the new text is offered); records of another version go back to
// the queue when asked.
TEST_F(ClusterTest, ArticlesSetAsideByAnotherVersionAreOfferedAgain) {
  ingest("https://a.example/feed", {"old", "changed"}, kT0);
  ASSERT_TRUE(store_->try_acquire_clusterer_lock());
  const auto pending = store_->pending_articles(0, 100);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(store_->set_aside({{pending[0].id, pending[0].change_seq, SetAsideStage::kWrite, "out of range"},
                               {pending[1].id, pending[1].change_seq - 1, SetAsideStage::kWrite, "stale"}},
                              kT0),
            2);
  EXPECT_EQ(store_->clustering_backlog().waiting, 1) << "the article changed since stays pending";
  db_->exec("UPDATE cluster_set_aside SET binary_version = '0.0.0-older'");
  EXPECT_EQ(store_->requeue_set_aside_of_other_versions(), 2);
  EXPECT_EQ(store_->clustering_backlog().waiting, 2);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM cluster_set_aside"), "0");
}

}  // namespace
}  // namespace fcd::store::test
