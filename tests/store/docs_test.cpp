// Every example query of sql/README.md runs against a populated database and
// returns rows; a "-- uses index: NAME" line is checked with EXPLAIN.
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <regex>
#include <sstream>

#include "support/sql_readme.hpp"
#include "test_database.hpp"

namespace fcd::store::test {
namespace {

std::vector<std::string> example_queries() {
  return fcd::test::sql_readme_queries(std::string{FCD_SOURCE_DIR} + "/sql/README.md");
}

class DocsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_->upsert_sources({{"https://a.example/feed", "Alpha News", {}, {}, {}},
                            {"https://b.example/feed", "Beta Wire", {}, {}, {}}},
                           SourceOrigin::kCli);
    // Real time: the examples filter on now() - interval '1 day'.
    const auto now = std::chrono::time_point_cast<core::Duration>(core::Clock::now());
    for (const auto& s : store_->claim_due_sources(now, core::Duration{60}, 10)) {
      std::vector<ArticleInput> items;
      FetchOutcome outcome;
      outcome.next_poll_at = now + core::Duration{600};
      if (s.url == "https://a.example/feed") {
        for (const char* t : {"Earthquake hits the city", "Earthquake: city counts damage"}) {
          ArticleInput a;
          a.guid = t;
          a.title = t;
          a.content = "An earthquake struck the city centre on Monday.";
          a.url = "https://a.example/" + std::to_string(items.size());
          a.published_at = now - core::Duration{600};
          a.language = "en";
          items.push_back(a);
        }
      } else {
        outcome.success = false;
        outcome.http_status = 500;
        outcome.error = "HTTP 500";
      }
      store_->commit_poll(s.id, items, outcome, now);
    }
    ASSERT_TRUE(store_->try_acquire_clusterer_lock());
    const auto pending = store_->pending_articles(0, 10);
    ASSERT_EQ(pending.size(), 2u);
    ClusterBatch batch;
    batch.stories.push_back({1, std::nullopt, "Earthquake hits the city", std::vector<std::string>{"earthquake"}});
    for (const auto& a : pending) {
      MembershipWrite m;
      m.article_id = a.id;
      m.change_seq = a.change_seq;
      m.story_key = 1;
      m.level = a.id == pending[0].id ? DedupLevel::kSeed : DedupLevel::kStory;
      batch.memberships.push_back(m);
    }
    store_->write_cluster_batch(batch, now);
  }
};

TEST_F(DocsTest, EveryExampleQueryRunsAndReturnsRows) {
  const auto queries = example_queries();
  ASSERT_GE(queries.size(), 8u) << "sql/README.md lost its examples";
  pqxx::connection c{db_->url()};
  for (const auto& q : queries) {
    SCOPED_TRACE(q);
    pqxx::work tx{c};
    pqxx::result rows;
    ASSERT_NO_THROW(rows = tx.exec(q));
    EXPECT_FALSE(rows.empty());
  }
}

TEST_F(DocsTest, ReadApiFollowsTheViews) {
  const auto stories = store_->latest_stories(10);
  ASSERT_EQ(stories.size(), 1u);
  EXPECT_EQ(stories[0].headline, "Earthquake hits the city");
  EXPECT_EQ(stories[0].article_count, 2);
  EXPECT_EQ(stories[0].source_count, 1);
  EXPECT_EQ(stories[0].top_terms, std::vector<std::string>{"earthquake"});
  const auto coverage = store_->story_coverage(stories[0].id);
  ASSERT_EQ(coverage.size(), 2u);
  EXPECT_EQ(coverage[0].source_title, "Alpha News");
  EXPECT_EQ(coverage[0].dedup_level, "seed");
  EXPECT_NO_THROW(store_->ping());
}

TEST_F(DocsTest, DocumentedQueriesUseTheirIndexes) {
  static const std::regex kUses{"-- uses index: ([a-z_ |]+)"};
  pqxx::connection c{db_->url()};
  int checked = 0;
  for (const auto& q : example_queries()) {
    std::smatch m;
    if (!std::regex_search(q, m, kUses)) continue;
    SCOPED_TRACE(q);
    pqxx::work tx{c};
    // With sequential scans priced out, the plan shows whether an index path
    // exists at all (the test tables are too small for the real choice).
    tx.exec("SET LOCAL enable_seqscan = off");
    std::string plan;
    for (const auto& row : tx.exec("EXPLAIN " + q)) plan += row[0].as<std::string>() + "\n";
    // Any of the named indexes: the planner picks among them by statistics.
    bool used = false;
    std::stringstream names{m[1].str()};
    for (std::string name; std::getline(names, name, '|');) {
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      used = used || plan.find(name) != std::string::npos;
    }
    EXPECT_TRUE(used) << plan;
    EXPECT_EQ(plan.find("Seq Scan on articles"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("Seq Scan on stories"), std::string::npos) << plan;
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

}  // namespace
}  // namespace fcd::store::test
