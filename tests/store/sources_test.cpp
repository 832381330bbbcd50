#include <gtest/gtest.h>

#include <algorithm>

#include "test_database.hpp"

namespace fcd::store::test {
namespace {

SourceSpec spec(std::string url, std::optional<std::string> title = std::nullopt,
                std::vector<std::string> tags = {}, std::optional<core::Duration> interval = std::nullopt) {
  SourceSpec s;
  s.url = std::move(url);
  s.title = std::move(title);
  s.tags = std::move(tags);
  s.interval = interval;
  return s;
}

const SourceRow& find(const std::vector<SourceRow>& rows, const std::string& url) {
  auto it = std::find_if(rows.begin(), rows.end(), [&](const SourceRow& r) { return r.url == url; });
  if (it == rows.end()) throw std::runtime_error("no source " + url);
  return *it;
}

using SourcesTest = StoreTest;

TEST_F(SourcesTest, ConfigSyncAddsChangesAndDisables) {
  auto counts = store_->sync_config_sources({spec("https://a.example/feed", "A", {"world"}),
                                             spec("https://b.example/feed", std::nullopt, {}, core::Duration{600})});
  EXPECT_EQ(counts.added, 2);
  EXPECT_EQ(counts.disabled, 0);

  auto rows = store_->list_sources();
  ASSERT_EQ(rows.size(), 2u);
  const auto& a = find(rows, "https://a.example/feed");
  EXPECT_EQ(a.title, "A");
  EXPECT_EQ(a.tags, std::vector<std::string>{"world"});
  EXPECT_EQ(a.origin, SourceOrigin::kConfig);
  EXPECT_TRUE(a.enabled);
  EXPECT_FALSE(a.next_poll_at.has_value());
  EXPECT_EQ(find(rows, "https://b.example/feed").interval, core::Duration{600});

  // Same list again: nothing to do.
  counts = store_->sync_config_sources({spec("https://a.example/feed", "A", {"world"}),
                                        spec("https://b.example/feed", std::nullopt, {}, core::Duration{600})});
  EXPECT_EQ(counts.unchanged, 2);
  EXPECT_EQ(counts.added + counts.updated + counts.disabled + counts.reenabled, 0);

  // A changes its title and tags, B is removed from the config.
  counts = store_->sync_config_sources({spec("https://a.example/feed", "A news", {"world", "europe"})});
  EXPECT_EQ(counts.updated, 1);
  EXPECT_EQ(counts.disabled, 1);
  rows = store_->list_sources();
  ASSERT_EQ(rows.size(), 2u) << "a source removed from the config is disabled, never deleted";
  EXPECT_EQ(find(rows, "https://a.example/feed").title, "A news");
  EXPECT_EQ(find(rows, "https://a.example/feed").tags, (std::vector<std::string>{"world", "europe"}));
  const auto& b = find(rows, "https://b.example/feed");
  EXPECT_FALSE(b.enabled);
  EXPECT_EQ(b.disabled_by, "sync");

  // Listed again: re-enabled.
  counts = store_->sync_config_sources({spec("https://a.example/feed", "A news", {"world", "europe"}),
                                        spec("https://b.example/feed", std::nullopt, {}, core::Duration{600})});
  EXPECT_EQ(counts.reenabled, 1);
  EXPECT_TRUE(find(store_->list_sources(), "https://b.example/feed").enabled);
}

TEST_F(SourcesTest, ConfigSyncLeavesOpmlAndCliSourcesAlone) {
  EXPECT_EQ(store_->upsert_sources({spec("https://opml.example/rss", "From OPML", {"tech"})}, SourceOrigin::kOpml).added,
            1);
  EXPECT_EQ(store_->upsert_sources({spec("https://cli.example/rss")}, SourceOrigin::kCli).added, 1);

  // An empty config disables nothing of theirs ...
  auto counts = store_->sync_config_sources({});
  EXPECT_EQ(counts.disabled, 0);
  // ... and listing their URL does not take them over.
  counts = store_->sync_config_sources({spec("https://opml.example/rss", "Config title")});
  EXPECT_EQ(counts.skipped, 1);
  EXPECT_EQ(counts.added, 0);
  counts = store_->sync_config_sources({});
  EXPECT_EQ(counts.disabled, 0);

  const auto rows = store_->list_sources();
  ASSERT_EQ(rows.size(), 2u);
  const auto& opml = find(rows, "https://opml.example/rss");
  EXPECT_EQ(opml.origin, SourceOrigin::kOpml);
  EXPECT_EQ(opml.title, "From OPML");
  EXPECT_TRUE(opml.enabled);
  EXPECT_EQ(find(rows, "https://cli.example/rss").origin, SourceOrigin::kCli);
  EXPECT_TRUE(find(rows, "https://cli.example/rss").enabled);
}

TEST_F(SourcesTest, UserDisabledConfigSourceStaysDisabled) {
  store_->sync_config_sources({spec("https://a.example/feed")});
  EXPECT_TRUE(store_->set_source_enabled("https://a.example/feed", false));
  const auto counts = store_->sync_config_sources({spec("https://a.example/feed")});
  EXPECT_EQ(counts.reenabled, 0);
  auto row = find(store_->list_sources(), "https://a.example/feed");
  EXPECT_FALSE(row.enabled);
  EXPECT_EQ(row.disabled_by, "user");
  EXPECT_TRUE(store_->set_source_enabled("https://a.example/feed", true));
  row = find(store_->list_sources(), "https://a.example/feed");
  EXPECT_TRUE(row.enabled);
  EXPECT_FALSE(row.disabled_by.has_value());
  EXPECT_FALSE(store_->set_source_enabled("https://unknown.example/", true));
}

TEST_F(SourcesTest, UpsertUpdatesExistingUrlInsteadOfDuplicating) {
  store_->upsert_sources({spec("https://x.example/rss", "X", {"a"})}, SourceOrigin::kOpml);
  const auto counts =
      store_->upsert_sources({spec("https://x.example/rss", "X feed", {"b"}, core::Duration{1800}),
                              spec("https://y.example/rss")},
                             SourceOrigin::kOpml);
  EXPECT_EQ(counts.added, 1);
  EXPECT_EQ(counts.updated, 1);
  const auto rows = store_->list_sources();
  ASSERT_EQ(rows.size(), 2u);
  const auto& x = find(rows, "https://x.example/rss");
  EXPECT_EQ(x.title, "X feed");
  EXPECT_EQ(x.tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(x.interval, core::Duration{1800});
  // Re-importing the same file changes nothing.
  EXPECT_EQ(store_->upsert_sources({spec("https://x.example/rss", "X feed", {"b"})}, SourceOrigin::kOpml).unchanged, 1);
  // A CLI add of a config source updates it and keeps its origin.
  store_->sync_config_sources({spec("https://c.example/rss")});
  EXPECT_EQ(store_->upsert_sources({spec("https://c.example/rss", "C")}, SourceOrigin::kCli).updated, 1);
  EXPECT_EQ(find(store_->list_sources(), "https://c.example/rss").origin, SourceOrigin::kConfig);
}

TEST_F(SourcesTest, RemoveDeletesTheSourceAndItsArticles) {
  store_->upsert_sources({spec("https://gone.example/rss"), spec("https://stays.example/rss")}, SourceOrigin::kCli);
  const core::TimePoint now{core::Duration{1'750'000'000}};
  for (const auto& s : store_->claim_due_sources(now, core::Duration{60}, 10)) {
    ArticleInput item;
    item.guid = "g1";
    item.title = "Item of " + s.url;
    FetchOutcome outcome;
    outcome.http_status = 200;
    outcome.next_poll_at = now + core::Duration{600};
    store_->commit_poll(s.id, {item}, outcome, now);
  }
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM articles"), "2");
  const auto removed = store_->remove_source("https://gone.example/rss");
  EXPECT_TRUE(removed.found);
  EXPECT_EQ(removed.articles_deleted, 1);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM articles"), "1");
  EXPECT_EQ(store_->list_sources().size(), 1u);
  EXPECT_FALSE(store_->remove_source("https://gone.example/rss").found);
}

}  // namespace
}  // namespace fcd::store::test
