// The clusterer against a real PostgreSQL (FEEDCLUSTERD_TEST_DATABASE_URL):
// what a restarted or failed-over clusterer rebuilds from the stored window,
// what it rebuilds after a batch failed to be written, and what
// `feedclusterd recluster` keeps.
#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "service/clusterer.hpp"
#include "store/test_database.hpp"

namespace fcd::service {
namespace {

using store::test::StoreTest;

const core::TimePoint kT0{core::Duration{1'780'000'000}};

// One wire story as two outlets carry it, and an unrelated one.
const std::string kQuakeTitle = "Magnitude 7.1 earthquake strikes Kumamoto in southern Japan";
const std::string kQuakeText =
    "A magnitude 7.1 earthquake struck Kumamoto prefecture on the southern Japanese island of Kyushu "
    "early on Saturday, collapsing houses in Mashiki and cutting power to 200,000 homes, the Japan "
    "Meteorological Agency and Kyushu Electric Power said.";
const std::string kBudgetTitle = "Dutch parliament approves 2027 budget after marathon debate";
const std::string kBudgetText =
    "The Dutch lower house in The Hague passed the 2027 budget by 81 votes to 69 on Thursday night "
    "after a debate over pension reform and defence spending that lasted nineteen hours.";

class ClustererTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    for (const char* url : {"https://wire.example/feed", "https://daily.example/feed", "https://herald.example/feed"}) {
      store::SourceSpec spec;
      spec.url = url;
      store_->upsert_sources({spec}, store::SourceOrigin::kCli);
    }
  }

  Clusterer clusterer() const {
    store::StoreOptions options;
    options.url = db_->url();
    options.instance_id = "clusterer-test";
    return Clusterer{options, cluster::EngineOptions{}, 100};
  }

  // Stores one item for the source with this URL, seen at `at`.
  // published: the item's own date, when it differs from when it is seen.
  void ingest(const std::string& source_url, const std::string& guid, const std::string& title,
              const std::string& text, core::TimePoint at, std::optional<core::TimePoint> published = std::nullopt) {
    db_->exec("UPDATE sources SET next_poll_at = NULL, lease_owner = NULL, lease_expires_at = NULL");
    for (const auto& source : store_->claim_due_sources(at, core::Duration{60}, 10)) {
      std::vector<store::ArticleInput> items;
      if (source.url == source_url) {
        store::ArticleInput item;
        item.guid = guid;
        item.url = source_url + "/" + guid;
        item.title = title;
        item.summary = text;
        item.published_at = published.value_or(at);
        item.language = "en";
        items.push_back(item);
      }
      store::FetchOutcome outcome;
      outcome.next_poll_at = at + core::Duration{600};
      store_->commit_poll(source.id, items, outcome, at);
    }
  }

  std::string story_of(const std::string& guid) const {
    return db_->scalar("SELECT p.story_id FROM articles a LEFT JOIN article_placements p ON p.article_id = a.id"
                       " WHERE a.guid = '" + guid + "'");
  }
};

TEST_F(ClustererTest, ARestartedClustererJoinsNewCopiesToTheStoredStory) {
  ingest("https://wire.example/feed", "quake-wire", kQuakeTitle, kQuakeText, kT0);
  ingest("https://daily.example/feed", "budget", kBudgetTitle, kBudgetText, kT0 + core::Duration{60});
  {
    auto first = clusterer();
    const auto step = first.step(kT0 + core::Duration{120});
    ASSERT_TRUE(step.holds_lock);
    EXPECT_EQ(step.restored, 0u) << "an empty window has nothing to replay";
    EXPECT_EQ(step.articles, 2u);
    EXPECT_EQ(step.stories_created, 2u);
    first.release();
  }
  const auto quake_story = story_of("quake-wire");
  ASSERT_FALSE(quake_story.empty());
  ASSERT_NE(quake_story, story_of("budget"));

  // A copy of the wire story arrives while no clusterer runs; a new one (a
  // restart, or another instance taking over) must place it in the stored
  // story, which only a replay of the window makes possible.
  ingest("https://herald.example/feed", "quake-copy", kQuakeTitle, kQuakeText, kT0 + core::Duration{3600});
  auto second = clusterer();
  const auto step = second.step(kT0 + core::Duration{3700});
  ASSERT_TRUE(step.holds_lock);
  EXPECT_EQ(step.restored, 2u);
  EXPECT_EQ(step.articles, 1u);
  EXPECT_EQ(step.stories_created, 0u);
  EXPECT_EQ(story_of("quake-copy"), quake_story);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM stories"), "2");
}

// The engine's window runs on article time. After four quiet days (feeds
// down) the stored story is still in the window of a clusterer that never
// stopped, so a successor must replay it too, not cut the window at the
// wall clock.
TEST_F(ClustererTest, TheReplayedWindowEndsAtTheNewestPlacedArticleNotTheWallClock) {
  ingest("https://wire.example/feed", "quake-wire", kQuakeTitle, kQuakeText, kT0);
  ingest("https://daily.example/feed", "budget", kBudgetTitle, kBudgetText, kT0 + core::Duration{60});
  {
    auto first = clusterer();
    ASSERT_EQ(first.step(kT0 + core::Duration{120}).articles, 2u);
    first.release();
  }
  const core::TimePoint four_days_later = kT0 + core::Duration{4 * 86400};
  auto second = clusterer();
  EXPECT_EQ(second.step(four_days_later).restored, 0u) << "with nothing to place, the window is not replayed";
  // An item dated within the window, first seen four days later (a feed
  // back up): the window is replayed before it is placed.
  ingest("https://herald.example/feed", "late", "Late item", "An item from a feed that was down.", four_days_later,
         kT0 + core::Duration{90});
  const auto step = second.step(four_days_later);
  ASSERT_TRUE(step.holds_lock);
  EXPECT_EQ(step.restored, 2u);
  EXPECT_EQ(step.articles, 1u);
  EXPECT_EQ(step.window.articles, 3u);
  EXPECT_EQ(step.window.stories, 3u);
}

TEST_F(ClustererTest, ReclusterKeepsStoryIdsAndRefusesWhileAnotherInstanceClusters) {
  ingest("https://wire.example/feed", "quake-wire", kQuakeTitle, kQuakeText, kT0);
  ingest("https://herald.example/feed", "quake-copy", kQuakeTitle, kQuakeText, kT0 + core::Duration{60});
  ingest("https://daily.example/feed", "budget", kBudgetTitle, kBudgetText, kT0 + core::Duration{120});
  auto running = clusterer();
  ASSERT_EQ(running.step(kT0 + core::Duration{180}).articles, 3u);
  const auto quake_story = story_of("quake-wire");
  const auto budget_story = story_of("budget");
  ASSERT_EQ(story_of("quake-copy"), quake_story);

  auto tool = clusterer();
  EXPECT_THROW(tool.recluster(kT0 - core::Duration{86400}, kT0 + core::Duration{240}), ClustererBusyError);
  running.release();

  const auto result = tool.recluster(kT0 - core::Duration{86400}, kT0 + core::Duration{240});
  EXPECT_EQ(result.articles, 3u);
  EXPECT_EQ(result.stories, 2u);
  EXPECT_EQ(result.stories_created, 0u);
  EXPECT_EQ(result.stories_merged, 0u);
  EXPECT_EQ(story_of("quake-wire"), quake_story);
  EXPECT_EQ(story_of("quake-copy"), quake_story);
  EXPECT_EQ(story_of("budget"), budget_story);
  EXPECT_EQ(db_->scalar("SELECT p.duplicate_of IS NOT NULL FROM article_placements p JOIN articles a ON a.id = p.article_id"
                        " WHERE a.guid = 'quake-copy'"), "t")
      << "the copy is still marked a duplicate of the earlier wire item";

  // Articles before `since` are left as they are.
  const auto narrow = tool.recluster(kT0 + core::Duration{100}, kT0 + core::Duration{240});
  EXPECT_EQ(narrow.articles, 1u);
  EXPECT_EQ(story_of("budget"), budget_story);
}

// Its engine had placed the batch already, so it is rebuilt from the stored
// window before the batch is tried again.
TEST_F(ClustererTest, AFailedWriteRebuildsTheEngineFromTheStoredWindow) {
  ingest("https://wire.example/feed", "quake-wire", kQuakeTitle, kQuakeText, kT0);
  auto running = clusterer();
  const auto first = running.step(kT0 + core::Duration{60});
  ASSERT_TRUE(first.holds_lock);
  ASSERT_EQ(first.articles, 1u);
  EXPECT_EQ(first.window.articles, 1u);

  ingest("https://herald.example/feed", "quake-copy", kQuakeTitle, kQuakeText, kT0 + core::Duration{120});
  ingest("https://daily.example/feed", "budget", kBudgetTitle, kBudgetText, kT0 + core::Duration{180});
  // Decisions cannot be written (the connection and the lock stay).
  db_->exec("CREATE FUNCTION refuse_write() RETURNS trigger LANGUAGE plpgsql AS"
            " $$BEGIN RAISE EXCEPTION 'injected fault'; END$$");
  db_->exec("CREATE TRIGGER refuse_write BEFORE INSERT OR UPDATE ON article_placements FOR EACH ROW"
            " EXECUTE FUNCTION refuse_write()");
  for (int attempt = 0; attempt < 3; ++attempt)
    EXPECT_THROW(running.step(kT0 + core::Duration{240}), store::StoreError);
  db_->exec("DROP TRIGGER refuse_write ON article_placements");

  const auto step = running.step(kT0 + core::Duration{300});
  ASSERT_TRUE(step.holds_lock);
  EXPECT_EQ(step.restored, 1u) << "the engine is rebuilt from the one stored decision first";
  EXPECT_EQ(step.articles, 2u);
  EXPECT_EQ(step.window.articles, 3u);
  EXPECT_EQ(story_of("quake-copy"), story_of("quake-wire"));
  EXPECT_NE(story_of("budget"), story_of("quake-wire"));

  // The rebuilt engine holds what a clusterer taking over would replay.
  running.release();
  ingest("https://wire.example/feed", "budget-copy", kBudgetTitle, kBudgetText, kT0 + core::Duration{330});
  auto successor = clusterer();
  const auto replayed = successor.step(kT0 + core::Duration{360});
  EXPECT_EQ(replayed.restored, 3u);
  EXPECT_EQ(replayed.articles, 1u);
  EXPECT_EQ(replayed.window.articles, step.window.articles + 1);
  EXPECT_EQ(replayed.window.stories, step.window.stories) << "the copy joins the stored budget story";
}


// One article whose write fails (a trigger stands in for a value the database
// refuses) is isolated by splitting the batch, set aside with the reason, and
// the others are placed; it is not offered again, and the engine is rebuilt
// without it.
TEST_F(ClustererTest, AnArticleWhoseWriteFailsIsSetAsideAndTheOthersArePlaced) {
  ingest("https://wire.example/feed", "quake-wire", kQuakeTitle, kQuakeText, kT0);
  ingest("https://daily.example/feed", "poison", "Poison pill", "An article the write refuses.", kT0 + core::Duration{30});
  ingest("https://herald.example/feed", "quake-copy", kQuakeTitle, kQuakeText, kT0 + core::Duration{60});
  ingest("https://daily.example/feed", "budget", kBudgetTitle, kBudgetText, kT0 + core::Duration{90});
  db_->exec("CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS"
            " $$BEGIN IF NEW.story_id IS NOT NULL AND NEW.article_id = (SELECT id FROM articles WHERE guid = 'poison') THEN"
            " RAISE EXCEPTION 'injected fault for the poison article'; END IF; RETURN NEW; END$$");
  db_->exec("CREATE TRIGGER refuse_poison BEFORE INSERT OR UPDATE ON article_placements FOR EACH ROW"
            " EXECUTE FUNCTION refuse_poison()");

  auto running = clusterer();
  const auto step = running.step(kT0 + core::Duration{120});
  ASSERT_TRUE(step.holds_lock);
  EXPECT_EQ(step.articles, 3u);
  ASSERT_EQ(step.set_aside.size(), 1u);
  EXPECT_EQ(std::to_string(step.set_aside[0].article_id), db_->scalar("SELECT id FROM articles WHERE guid = 'poison'"));
  EXPECT_EQ(step.set_aside[0].stage, store::SetAsideStage::kWrite);
  EXPECT_NE(step.set_aside[0].reason.find("injected fault for the poison article"), std::string::npos);
  EXPECT_EQ(step.backlog.waiting, 0);
  EXPECT_EQ(step.backlog.set_aside, 1);
  EXPECT_EQ(story_of("quake-copy"), story_of("quake-wire"));
  EXPECT_FALSE(story_of("budget").empty());
  EXPECT_EQ(story_of("poison"), "");
  EXPECT_NE(db_->scalar("SELECT reason FROM unplaced_articles WHERE title = 'Poison pill'").find("injected fault"),
            std::string::npos);

  const auto next = running.step(kT0 + core::Duration{180});
  EXPECT_EQ(next.articles, 0u);
  EXPECT_TRUE(next.set_aside.empty()) << "a set-aside article is not retried in a loop";
  EXPECT_EQ(next.backlog.waiting, 0);

  ingest("https://wire.example/feed", "budget-copy", kBudgetTitle, kBudgetText, kT0 + core::Duration{200});
  const auto later = running.step(kT0 + core::Duration{240});
  EXPECT_EQ(later.restored, 3u) << "the engine, which had placed it, is rebuilt from what was stored";
  EXPECT_EQ(later.articles, 1u);
  EXPECT_EQ(later.window.articles, 4u);
}

// A batch whose every article fails alone is not the articles' fault: the
// step fails (the clusterer is seen stalled) and nothing is set aside.
TEST_F(ClustererTest, ABatchWhoseEveryArticleFailsAloneSetsNothingAside) {
  ingest("https://wire.example/feed", "quake-wire", kQuakeTitle, kQuakeText, kT0);
  ingest("https://daily.example/feed", "budget", kBudgetTitle, kBudgetText, kT0 + core::Duration{60});
  db_->exec("CREATE FUNCTION refuse_write() RETURNS trigger LANGUAGE plpgsql AS"
            " $$BEGIN RAISE EXCEPTION 'injected fault'; END$$");
  db_->exec("CREATE TRIGGER refuse_write BEFORE INSERT OR UPDATE ON article_placements FOR EACH ROW"
            " EXECUTE FUNCTION refuse_write()");
  auto running = clusterer();
  EXPECT_THROW(running.step(kT0 + core::Duration{120}), store::StoreError);
  EXPECT_EQ(running.backlog().waiting, 2);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM cluster_set_aside"), "0");
}

// Engine::add throwing for one article (a bug met by odd text) sets that
// article aside; the others are placed.
TEST_F(ClustererTest, AnArticleTheEngineThrowsOnIsSetAsideAndTheOthersArePlaced) {
  ingest("https://wire.example/feed", "quake-wire", kQuakeTitle, kQuakeText, kT0);
  ingest("https://daily.example/feed", "odd", "Odd text", "Text the engine cannot take.", kT0 + core::Duration{30});
  ingest("https://herald.example/feed", "quake-copy", kQuakeTitle, kQuakeText, kT0 + core::Duration{60});
  store::StoreOptions options;
  options.url = db_->url();
  options.instance_id = "clusterer-test";
  Clusterer running{options, cluster::EngineOptions{}, 100, [](cluster::Engine& engine, const cluster::Article& article) {
                      if (article.title == "Odd text") throw std::length_error("engine: odd text");
                      return engine.add(article);
                    }};
  const auto step = running.step(kT0 + core::Duration{120});
  EXPECT_EQ(step.articles, 2u);
  ASSERT_EQ(step.set_aside.size(), 1u);
  EXPECT_EQ(step.set_aside[0].stage, store::SetAsideStage::kEngine);
  EXPECT_EQ(step.set_aside[0].reason, "engine: odd text");
  EXPECT_EQ(story_of("quake-copy"), story_of("quake-wire"));
  EXPECT_EQ(db_->scalar("SELECT stage || ': ' || reason FROM unplaced_articles WHERE title = 'Odd text'"),
            "engine: engine: odd text");
  EXPECT_EQ(step.backlog.waiting, 0);

  // recluster offers it again (and sets it aside again while the engine still fails on it).
  running.release();
  const auto again = running.recluster(kT0 - core::Duration{3600}, kT0 + core::Duration{240});
  EXPECT_EQ(again.articles, 2u);
  ASSERT_EQ(again.set_aside.size(), 1u);
  EXPECT_EQ(again.set_aside[0].reason, "engine: odd text");
}

}  // namespace
}  // namespace fcd::service
