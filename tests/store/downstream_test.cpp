// A downstream app, as sql/README.md tells one to be written: it keeps a copy
// of the stories and articles, syncs by cursor (story_events.id and
// article_changes.change_seq) when woken by LISTEN feedclusterd_stories, and
// after a source removal, retention, an edit in place and an article moving
// between stories its copy still equals the views.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "test_database.hpp"

namespace fcd::store::test {
namespace {

const core::TimePoint kT0{core::Duration{1'750'000'000}};
constexpr std::int64_t kDay = 86400;

// Rows of a query as "col|col|..." strings, keyed by the first column.
std::map<std::int64_t, std::string> rows(pqxx::work& tx, const std::string& sql) {
  std::map<std::int64_t, std::string> out;
  for (const auto& r : tx.exec(sql)) {
    std::string line;
    for (const auto& f : r) line += (f.is_null() ? "NULL" : f.as<std::string>()) + "|";
    out[r[0].as<std::int64_t>()] = line;
  }
  return out;
}

const std::string kStoryColumns =
    "SELECT story_id, headline, article_count, source_count, last_updated, published_first, published_last,"
    " (SELECT string_agg(article_id::text, ',' ORDER BY article_id) FROM story_coverage c"
    " WHERE c.story_id = s.story_id) FROM latest_stories s";
const std::string kArticleColumns =
    "SELECT article_id, title, content, story_id, duplicate_of, change_seq FROM article_search";

class App : public pqxx::notification_receiver {
 public:
  explicit App(pqxx::connection& c) : pqxx::notification_receiver(c, "feedclusterd_stories"), conn_(c) {}
  void operator()(const std::string& payload, int) override {
    const auto p = nlohmann::json::parse(payload);
    last_notified = std::max(last_notified, p["last_id"].get<std::int64_t>());
    ++notifications;
  }
  // Applies every event and article change since the cursors.
  void sync() {
    pqxx::work tx{conn_};
    for (;;) {
      const auto page = tx.exec_params(
          "SELECT id, story_id, event FROM story_events WHERE id > $1 ORDER BY id LIMIT 2", event_cursor);
      for (const auto& e : page) {
        const auto story = e[1].as<std::int64_t>();
        const auto again = rows(tx, kStoryColumns + " WHERE story_id = " + std::to_string(story));
        if (again.empty())
          stories.erase(story);  // deleted, merged away, or emptied
        else
          stories[story] = again.begin()->second;
        event_cursor = e[0].as<std::int64_t>();
        ++events_applied;
      }
      if (page.size() < 2) break;
    }
    for (;;) {
      const auto page = tx.exec_params(
          "SELECT change_seq, article_id, deleted FROM article_changes WHERE change_seq > $1 ORDER BY change_seq"
          " LIMIT 3",
          article_cursor);
      for (const auto& c : page) {
        const auto article = c[1].as<std::int64_t>();
        if (c[2].as<bool>()) {
          articles.erase(article);
        } else {
          const auto again = rows(tx, kArticleColumns + " WHERE article_id = " + std::to_string(article));
          articles[article] = again.at(article);
        }
        article_cursor = c[0].as<std::int64_t>();
      }
      if (page.size() < 3) break;
    }
    tx.commit();
  }
  // Waits for the notification of a commit, then syncs from the cursors.
  void wake_and_sync() {
    const int before = notifications;
    for (int i = 0; i < 50 && notifications == before; ++i) conn_.await_notification(0, 100000);
    ASSERT_GT(notifications, before) << "no notification";
    while (conn_.await_notification(0, 200000) > 0) {
    }
    sync();
    EXPECT_EQ(event_cursor, last_notified) << "the notification named the last event";
  }

  std::map<std::int64_t, std::string> stories, articles;
  std::int64_t event_cursor = 0, article_cursor = 0, last_notified = 0;
  int notifications = 0, events_applied = 0;

 private:
  pqxx::connection& conn_;
};

class DownstreamTest : public TwoSourcesTest {
 protected:
  void poll(const std::string& url, const std::map<std::string, std::string>& titles, core::TimePoint now) {
    std::vector<ArticleInput> items;
    for (const auto& [guid, title] : titles) {
      ArticleInput a;
      a.guid = guid;
      a.title = title;
      a.content = "About " + title + ".";
      a.url = url + "/" + guid;
      a.published_at = now - core::Duration{300};
      items.push_back(a);
    }
    poll_items(url, items, now);
  }
  // Places guids in stories by key (see place_by_key); the stories by key.
  std::map<std::int64_t, core::StoryId> place(const std::vector<std::pair<std::string, std::int64_t>>& members,
                                              const std::map<std::int64_t, core::StoryId>& known,
                                              core::TimePoint now) {
    const auto written = place_by_key(members, known, now).story_ids;
    return {written.begin(), written.end()};
  }
  void expect_copy_equals_views(const App& app) {
    pqxx::connection c{db_->url()};
    pqxx::work tx{c};
    EXPECT_EQ(app.stories, rows(tx, kStoryColumns));
    EXPECT_EQ(app.articles, rows(tx, kArticleColumns));
  }
};

TEST_F(DownstreamTest, AnAppSyncingByCursorAndListenKeepsAnExactCopy) {
  const auto old = kT0, recent = kT0 + core::Duration{10 * kDay};
  poll("https://a.example/feed", {{"a-old", "Old quake"}}, old);
  poll("https://a.example/feed", {{"a-old", "Old quake"}, {"a1", "Quake"}, {"a2", "Flood"}, {"a4", "Flood again"}},
       recent);
  poll("https://b.example/feed", {{"b1", "Quake too"}, {"b2", "Only on b"}}, recent);
  auto ids = place({{"a-old", 0}, {"a1", 1}, {"a2", 2}, {"a4", 2}, {"b1", 1}, {"b2", 3}}, {}, recent);

  // The app starts from zero by cursor.
  pqxx::connection app_conn{db_->url()};
  App app{app_conn};
  app.sync();
  EXPECT_EQ(app.stories.size(), 4u);
  EXPECT_EQ(app.articles.size(), 6u);
  expect_copy_equals_views(app);

  // Then it lives on notifications.
  const auto now = recent + core::Duration{3600};
  EXPECT_EQ(store_->remove_source("https://b.example/feed").stories_deleted, 1);  // story 3 had only b2
  app.wake_and_sync();
  expect_copy_equals_views(app);
  EXPECT_FALSE(app.stories.count(ids[3]));

  while (store_->delete_articles_before(kT0 + core::Duration{kDay}, 10).articles_deleted > 0) {
  }
  app.wake_and_sync();
  expect_copy_equals_views(app);
  EXPECT_FALSE(app.stories.count(ids[0])) << "story 0 had only the old article";

  poll("https://a.example/feed", {{"a1", "Quake: toll rises"}, {"a2", "Flood"}, {"a4", "Flood again"}}, now);
  app.wake_and_sync();
  expect_copy_equals_views(app);
  EXPECT_NE(app.articles.at(article("a1")).find("Quake: toll rises"), std::string::npos);

  place({{"a2", 1}}, {{1, ids[1]}}, now + core::Duration{60});
  app.wake_and_sync();
  expect_copy_equals_views(app);
  EXPECT_EQ(db_->scalar("SELECT article_count FROM latest_stories WHERE story_id = " + std::to_string(ids[2])), "1");

  // Every event was applied once, in id order, with no gap.
  EXPECT_EQ(app.events_applied, std::stoi(db_->scalar("SELECT count(*) FROM story_events")));
  EXPECT_EQ(db_->scalar("SELECT max(id) - min(id) + 1 = count(*) FROM story_events"), "t");
}

}  // namespace
}  // namespace fcd::store::test
