#include "test_database.hpp"

#include "store/conninfo.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <pqxx/pqxx>
#include <set>
#include <thread>

namespace fcd::store::test {

std::string server_url() {
  const char* url = std::getenv("FEEDCLUSTERD_TEST_DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    ADD_FAILURE() << "FEEDCLUSTERD_TEST_DATABASE_URL is not set: the store tests need a PostgreSQL server "
                     "(./scripts/test starts one), e.g. postgresql://postgres@127.0.0.1:55433/postgres";
    throw std::runtime_error("FEEDCLUSTERD_TEST_DATABASE_URL is not set");
  }
  return url;
}

TestDatabase::TestDatabase(bool migrated) {
  static std::atomic<int> counter{0};
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count() % 1000000000;
  name_ = "fcd_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(stamp);
  {
    pqxx::connection admin{server_url()};
    pqxx::nontransaction tx{admin};
    tx.exec("CREATE DATABASE " + tx.quote_name(name_));
  }
  url_ = with_database(server_url(), name_);
  if (migrated) open()->migrate();
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection admin{server_url()};
    pqxx::nontransaction tx{admin};
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "dropping test database " << name_ << ": " << e.what();
  }
}

std::unique_ptr<Store> TestDatabase::open(const std::string& instance_id) const {
  StoreOptions options;
  options.url = url_;
  options.instance_id = instance_id;
  return std::make_unique<Store>(options);
}

void TestDatabase::exec(const std::string& sql) const {
  pqxx::connection c{url_};
  pqxx::work tx{c};
  tx.exec(sql);
  tx.commit();
}

std::string TestDatabase::scalar(const std::string& sql) const {
  pqxx::connection c{url_};
  pqxx::work tx{c};
  auto r = tx.exec(sql);
  if (r.empty() || r[0][0].is_null()) return "";
  return r[0][0].as<std::string>();
}

void TestDatabase::terminate_backends() const {
  pqxx::connection c{url_};
  pqxx::nontransaction tx{c};
  tx.exec_params(
      "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      name_);
}

bool acquire_clusterer_lock_eventually(Store& store) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (!store.try_acquire_clusterer_lock()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return true;
}

void StoreTest::SetUp() {
  db_ = std::make_unique<TestDatabase>();
  store_ = db_->open();
}

void add_two_sources(Store& store) {
  store.upsert_sources({{"https://a.example/feed", "A", {}, {}, {}}, {"https://b.example/feed", "B", {}, {}, {}}},
                       SourceOrigin::kCli);
}

void TwoSourcesTest::SetUp() {
  StoreTest::SetUp();
  add_two_sources(*store_);
  ASSERT_TRUE(store_->try_acquire_clusterer_lock());
}

void TwoSourcesTest::poll_items(const std::string& url, const std::vector<ArticleInput>& items,
                                core::TimePoint now) {
  db_->exec("UPDATE sources SET next_poll_at = NULL, lease_owner = NULL, lease_expires_at = NULL");
  const auto claimed = store_->claim_source(url, now, core::Duration{60});
  ASSERT_TRUE(claimed.has_value()) << url;
  FetchOutcome outcome;
  outcome.next_poll_at = now + core::Duration{600};
  store_->commit_poll(claimed->id, items, outcome, now);
}

core::ArticleId TwoSourcesTest::article(const std::string& guid) const {
  return std::stoll(db_->scalar("SELECT id FROM articles WHERE guid = '" + guid + "'"));
}

std::int64_t TwoSourcesTest::change_seq(const std::string& guid) const {
  return std::stoll(db_->scalar("SELECT change_seq FROM articles WHERE guid = '" + guid + "'"));
}

ClusterWriteResult TwoSourcesTest::place_by_key(const std::vector<std::pair<std::string, std::int64_t>>& members,
                                                const std::map<std::int64_t, core::StoryId>& known,
                                                core::TimePoint now) {
  ClusterBatch batch;
  std::set<std::int64_t> keys;
  for (const auto& [guid, key] : members) keys.insert(key);
  for (const auto& [key, id] : known) keys.insert(key);
  for (const auto key : keys) {
    const auto it = known.find(key);
    if (it != known.end())
      batch.stories.push_back({key, it->second, std::nullopt, std::nullopt});
    else
      batch.stories.push_back({key, std::nullopt, "story " + std::to_string(key), std::nullopt});
  }
  for (const auto& [guid, key] : members) {
    MembershipWrite m;
    m.article_id = article(guid);
    m.change_seq = change_seq(guid);
    m.story_key = key;
    batch.memberships.push_back(m);
  }
  return store_->write_cluster_batch(batch, now);
}

}  // namespace fcd::store::test
