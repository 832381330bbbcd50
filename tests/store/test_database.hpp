#pragma once
// A fresh PostgreSQL database per test, on the server named by
// FEEDCLUSTERD_TEST_DATABASE_URL (scripts/test starts one). Created with a
// unique name, migrated, and dropped when the test ends.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "store/store.hpp"

namespace fcd::store::test {

// The server URL, or a test failure with a clear message when it is unset.
std::string server_url();

class TestDatabase {
 public:
  // migrated: apply the schema (false leaves the database empty).
  explicit TestDatabase(bool migrated = true);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& url() const { return url_; }
  std::unique_ptr<Store> open(const std::string& instance_id = "test-instance") const;
  // Runs SQL on a connection of its own (admin work the API does not offer).
  void exec(const std::string& sql) const;
  // The first column of the first row, as text ("" for NULL or no row).
  std::string scalar(const std::string& sql) const;
  // Terminates every other backend connected to this database and waits (up
  // to 10 s each) until they have exited, as PostgreSQL stopping would.
  void terminate_backends() const;

 private:
  std::string name_;
  std::string url_;
};

// Tries to take the clusterer lock for up to 10 s, as the daemon's periodic
// retry would: a dead holder's backend releases the lock when the server
// notices, which is soon but not instant.
bool acquire_clusterer_lock_eventually(Store& store);

// Collects the JSON payloads NOTIFY sends on one channel of a connection
// (read them after conn.await_notification / get_notifs).
class Listener : public pqxx::notification_receiver {
 public:
  Listener(pqxx::connection& c, const std::string& channel) : pqxx::notification_receiver(c, channel) {}
  void operator()(const std::string& payload, int) override { payloads.push_back(nlohmann::json::parse(payload)); }
  std::vector<nlohmann::json> payloads;
};

// The common fixture: a migrated database and a Store on it.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override;
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
};

// Adds the sources https://a.example/feed ("A") and https://b.example/feed
// ("B"), origin cli.
void add_two_sources(Store& store);

// The two sources and the clusterer lock: for tests that poll items in and
// place them in stories by hand, as the clusterer would.
class TwoSourcesTest : public StoreTest {
 protected:
  void SetUp() override;
  // Commits items as a successful poll of the source with this URL at now,
  // whatever its schedule or lease; its next poll is ten minutes later.
  void poll_items(const std::string& url, const std::vector<ArticleInput>& items, core::TimePoint now);
  // The stored article with this guid (the tests' guids are unique across
  // sources), and its change_seq.
  core::ArticleId article(const std::string& guid) const;
  std::int64_t change_seq(const std::string& guid) const;
  // Places each guid in the story with that key, in one batch at now: a key
  // in known refers to that existing story (also when no member names it),
  // any other key is a new story headlined "story <key>".
  ClusterWriteResult place_by_key(const std::vector<std::pair<std::string, std::int64_t>>& members,
                                  const std::map<std::int64_t, core::StoryId>& known, core::TimePoint now);
};

}  // namespace fcd::store::test
