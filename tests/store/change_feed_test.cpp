// story_events as an append-only change feed: every visible change is an
// event, deleted stories leave one, ids only grow, one NOTIFY per batch.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "test_database.hpp"

namespace fcd::store::test {
namespace {

const core::TimePoint kT0{core::Duration{1'750'000'000}};

struct Item {
  std::string guid;
  std::string title;
  std::string content;
};

class ChangeFeedTest : public TwoSourcesTest {
 protected:
  void poll(const std::string& url, const std::vector<Item>& items, core::TimePoint now) {
    std::vector<ArticleInput> inputs;
    for (const auto& item : items) {
      ArticleInput a;
      a.guid = item.guid;
      a.title = item.title;
      a.content = item.content;
      a.url = url + "/" + item.guid;
      inputs.push_back(a);
    }
    poll_items(url, inputs, now);
  }
  // "event story_id/article_count headline [cause]" of every event after id, in id order.
  std::string events_after(std::int64_t id) {
    return db_->scalar(
        "SELECT string_agg(event || ' ' || story_id || '/' || article_count || ' ' || headline"
        " || coalesce(' ' || cause, '') || coalesce(' ->' || merged_into, ''), ', ' ORDER BY id)"
        " FROM story_events WHERE id > " + std::to_string(id));
  }
  std::int64_t last_event_id() { return std::stoll(db_->scalar("SELECT coalesce(max(id), 0) FROM story_events")); }
};

TEST_F(ChangeFeedTest, RemovingASourceLeavesDeletedAndShrankEventsAndKeepsHistory) {
  poll("https://a.example/feed", {{"a1", "Quake", ""}, {"a2", "Flood", ""}}, kT0);
  poll("https://b.example/feed", {{"b1", "Quake too", ""}}, kT0);
  const auto ids = place_by_key({{"a1", 1}, {"b1", 1}, {"a2", 2}}, {}, kT0 + core::Duration{10}).story_ids;
  const auto quake = std::to_string(ids[0].second), flood = std::to_string(ids[1].second);
  const auto seen = last_event_id();
  const auto history = db_->scalar("SELECT string_agg(id || event, ',' ORDER BY id) FROM story_events");

  const auto removed = store_->remove_source("https://a.example/feed");
  EXPECT_EQ(removed.stories_deleted, 1);
  EXPECT_EQ(events_after(seen), "deleted " + flood + "/0 story 2 source_removed, shrank " + quake + "/1 story 1");
  EXPECT_EQ(db_->scalar("SELECT string_agg(id || event, ',' ORDER BY id) FROM story_events WHERE id <= " +
                        std::to_string(seen)),
            history)
      << "events outlive their story";
  EXPECT_EQ(db_->scalar("SELECT last_updated > to_timestamp(" + std::to_string(kT0.time_since_epoch().count() + 10) +
                        ") FROM stories WHERE id = " + quake),
            "t")
      << "a shrunk story's last_updated moves";
}

TEST_F(ChangeFeedTest, RetentionLeavesDeletedEvents) {
  poll("https://a.example/feed", {{"old", "Old news", ""}}, kT0);
  poll("https://b.example/feed", {{"new", "New news", ""}}, kT0 + core::Duration{10 * 86400});
  const auto ids = place_by_key({{"old", 1}, {"new", 2}}, {}, kT0 + core::Duration{10 * 86400}).story_ids;
  const auto seen = last_event_id();
  while (store_->delete_articles_before(kT0 + core::Duration{86400}, 10).articles_deleted > 0) {
  }
  EXPECT_EQ(events_after(seen), "deleted " + std::to_string(ids[0].second) + "/0 story 1 retention");
}

TEST_F(ChangeFeedTest, MovesEditsAndHeadlinesAreEventsThatMoveLastUpdated) {
  poll("https://a.example/feed", {{"a1", "Quake", "first text"}, {"a2", "Quake again", ""}, {"a3", "Flood", ""}}, kT0);
  const auto ids = place_by_key({{"a1", 1}, {"a2", 1}, {"a3", 2}}, {}, kT0).story_ids;
  const auto quake = ids[0].second, flood = ids[1].second;
  const std::map<std::int64_t, core::StoryId> known{{1, quake}, {2, flood}};
  const auto q = std::to_string(quake), f = std::to_string(flood);

  // An article moves from one story to the other: one shrank, the other grew.
  auto seen = last_event_id();
  const auto moved = place_by_key({{"a2", 2}}, known, kT0 + core::Duration{60});
  ASSERT_EQ(moved.events.size(), 2u);
  EXPECT_EQ(moved.events[0].kind, StoryEventKind::kGrew);
  EXPECT_EQ(moved.events[1].kind, StoryEventKind::kShrank);
  EXPECT_LT(moved.events[0].id, moved.events[1].id);
  EXPECT_EQ(events_after(seen), "grew " + f + "/2 story 2, shrank " + q + "/1 story 1");
  const auto stamp = std::to_string((kT0 + core::Duration{60}).time_since_epoch().count());
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM stories WHERE last_updated = to_timestamp(" + stamp + ")"), "2");

  // Re-placing an article in its own story as before is no change; as a
  // copy of another one it is (story_coverage shows it).
  seen = last_event_id();
  EXPECT_TRUE(place_by_key({{"a1", 1}}, known, kT0 + core::Duration{70}).events.empty());
  ClusterBatch restate;
  restate.stories.push_back({2, flood, std::nullopt, std::nullopt});
  MembershipWrite copy;
  copy.article_id = article("a2");
  copy.change_seq = change_seq("a2");
  copy.story_key = 2;
  copy.level = DedupLevel::kNear;
  copy.duplicate_of = article("a3");
  restate.memberships.push_back(copy);
  store_->write_cluster_batch(restate, kT0 + core::Duration{80});
  EXPECT_EQ(events_after(seen), "article_updated " + f + "/2 story 2");
  seen = last_event_id();

  // An article edited in place (text, or any other stored field): its story
  // gets an event and moves, in the poll's transaction.
  poll("https://a.example/feed", {{"a1", "Quake", "corrected text"}, {"a2", "Quake again", ""}, {"a3", "Flood", ""}},
       kT0 + core::Duration{120});
  EXPECT_EQ(events_after(seen), "article_updated " + q + "/1 story 1");
  EXPECT_EQ(db_->scalar("SELECT extract(epoch FROM last_updated)::bigint FROM stories WHERE id = " + q),
            std::to_string((kT0 + core::Duration{120}).time_since_epoch().count()));
  seen = last_event_id();
  poll("https://a.example/feed", {{"a1", "Quake", "corrected text"}, {"a2", "Quake again", ""}, {"a3", "Flood", ""}},
       kT0 + core::Duration{180});
  EXPECT_EQ(events_after(seen), "") << "an unchanged poll is no event";

  // A new headline, then new terms alone.
  ClusterBatch retitle;
  retitle.stories.push_back({1, quake, std::string{"Quake: the toll"}, std::vector<std::string>{"quake"}});
  retitle.stories.push_back({2, flood, std::nullopt, std::vector<std::string>{"flood", "river"}});
  store_->write_cluster_batch(retitle, kT0 + core::Duration{240});
  EXPECT_EQ(events_after(seen), "headline_changed " + q + "/1 Quake: the toll, terms_changed " + f + "/2 story 2");
  seen = last_event_id();
  store_->write_cluster_batch(retitle, kT0 + core::Duration{300});
  EXPECT_EQ(events_after(seen), "") << "the same headline and terms are no change";
}

TEST_F(ChangeFeedTest, AStoryLosingEveryArticleIsMergedWhereTheyWent) {
  poll("https://a.example/feed", {{"a1", "One", ""}, {"a2", "Two", ""}}, kT0);
  const auto ids = place_by_key({{"a1", 1}, {"a2", 2}}, {}, kT0).story_ids;
  const auto seen = last_event_id();
  place_by_key({{"a2", 1}}, {{1, ids[0].second}, {2, ids[1].second}}, kT0 + core::Duration{60});
  EXPECT_EQ(events_after(seen), "grew " + std::to_string(ids[0].second) + "/2 story 1, merged " +
                                    std::to_string(ids[1].second) + "/1 story 2 ->" + std::to_string(ids[0].second));
}

TEST_F(ChangeFeedTest, OneNotificationPerCommittedBatchNamesItsEventIds) {
  poll("https://a.example/feed", {{"a1", "One", ""}, {"a2", "Two", ""}, {"a3", "Three", ""}}, kT0);
  pqxx::connection listen_conn{db_->url()};
  Listener listener{listen_conn, "feedclusterd_stories"};
  const auto written = place_by_key({{"a1", 1}, {"a2", 2}, {"a3", 3}}, {}, kT0);
  ASSERT_EQ(written.events.size(), 3u);
  while (listen_conn.await_notification(2, 0) > 0) {
  }
  ASSERT_EQ(listener.payloads.size(), 1u);
  EXPECT_EQ(listener.payloads[0]["first_id"], written.events.front().id);
  EXPECT_EQ(listener.payloads[0]["last_id"], written.events.back().id);
  EXPECT_EQ(listener.payloads[0]["count"], 3);
  EXPECT_EQ(written.events.back().id - written.events.front().id, 2) << "a batch's ids are contiguous";

  // The edit's event comes from the poll's own statement, with its own NOTIFY.
  poll("https://a.example/feed", {{"a1", "One, edited", ""}, {"a2", "Two", ""}, {"a3", "Three", ""}},
       kT0 + core::Duration{60});
  while (listen_conn.await_notification(2, 0) > 0) {
  }
  ASSERT_EQ(listener.payloads.size(), 2u);
  EXPECT_EQ(listener.payloads[1]["first_id"], written.events.back().id + 1);
  EXPECT_EQ(listener.payloads[1]["count"], 1);
}

// The daemon's clock counts seconds; changes in the present second are
// stamped with microseconds, so a first import does not tie every story.
TEST_F(ChangeFeedTest, ChangesNowAreStampedWithMicroseconds) {
  const auto present = [] { return std::chrono::time_point_cast<core::Duration>(core::Clock::now()); };
  const auto now = present();
  poll("https://a.example/feed", {{"a1", "One", ""}, {"a2", "Two", ""}}, now);
  place_by_key({{"a1", 1}}, {}, present());
  place_by_key({{"a2", 2}}, {}, present());
  EXPECT_EQ(db_->scalar("SELECT count(DISTINCT last_updated) FROM stories"), "2");
  EXPECT_EQ(db_->scalar("SELECT count(DISTINCT at) FROM story_events"), "2");
  EXPECT_EQ(db_->scalar("SELECT bool_and(at >= to_timestamp(" + std::to_string(now.time_since_epoch().count()) +
                        ")) FROM story_events"),
            "t");
}

}  // namespace
}  // namespace fcd::store::test
