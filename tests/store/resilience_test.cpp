#include <gtest/gtest.h>

#include "test_database.hpp"

namespace fcd::store::test {
namespace {

const core::TimePoint kT0{core::Duration{1'750'000'000}};

using ResilienceTest = StoreTest;

TEST_F(ResilienceTest, TerminatedBackendIsARetryableErrorThenReconnectCarriesOn) {
  store_->upsert_sources({{"https://a.example/feed", {}, {}, {}, {}}}, SourceOrigin::kCli);
  const auto claimed = store_->claim_due_sources(kT0, core::Duration{300}, 1);
  ASSERT_EQ(claimed.size(), 1u);
  ArticleInput item;
  item.guid = "x";
  item.title = "X";
  FetchOutcome outcome;
  outcome.next_poll_at = kT0 + core::Duration{600};

  db_->terminate_backends();  // as an operator's pg_terminate_backend would
  try {
    store_->commit_poll(claimed[0].id, {item}, outcome, kT0);
    FAIL() << "commit on a terminated connection succeeded";
  } catch (const StoreError& e) {
    EXPECT_TRUE(e.retryable()) << e.what();
    EXPECT_TRUE(e.connection_lost()) << e.what();
    EXPECT_EQ(e.context(), "commit poll");
  }
  EXPECT_FALSE(store_->is_connected());
  // No silent reconnect: the Store refuses work until told to reconnect.
  EXPECT_THROW(store_->list_sources(), StoreError);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM articles"), "0") << "nothing half-written";

  store_->reconnect();
  EXPECT_TRUE(store_->is_connected());
  // The lease is still this instance's: the poll commits once.
  EXPECT_EQ(store_->commit_poll(claimed[0].id, {item}, outcome, kT0).inserted, 1);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM articles"), "1");
}

TEST_F(ResilienceTest, ASessionTheServerEndedIsReportedWithTheServersReasonOnOneLine) {
  ASSERT_EQ(db_->scalar("SELECT count(*) FROM sources"), "0");
  db_->terminate_backends();  // as stopping PostgreSQL under an idle daemon connection would
  try {
    store_->claim_due_sources(kT0, core::Duration{300}, 10);
    FAIL() << "a claim on an ended session succeeded";
  } catch (const StoreError& e) {
    const std::string message = e.what();
    EXPECT_TRUE(e.connection_lost()) << message;
    EXPECT_EQ(e.context(), "claim due sources");
    EXPECT_NE(message.find("terminating connection due to administrator command"), std::string::npos) << message;
    EXPECT_EQ(message.find("client encoding"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  EXPECT_FALSE(store_->is_connected());
  store_->reconnect();
  EXPECT_TRUE(store_->claim_due_sources(kT0, core::Duration{300}, 10).empty());
}

TEST(StoreErrorText, LibpqsMultiLineMessagesBecomeOneLine) {
  const StoreError refused("08001", "connect to postgresql://127.0.0.1:5/x",
                           "connection to server at \"127.0.0.1\", port 5 failed: Connection refused\n"
                           "\tIs the server running on that host and accepting TCP/IP connections?\n");
  EXPECT_STREQ(refused.what(),
               "database: connect to postgresql://127.0.0.1:5/x: connection to server at \"127.0.0.1\", port 5 "
               "failed: Connection refused; Is the server running on that host and accepting TCP/IP connections? "
               "(SQLSTATE 08001)");
  const StoreError closed("08006", "claim due sources",
                          "server closed the connection unexpectedly\n\tThis probably means the server terminated "
                          "abnormally\n\tbefore or while processing the request.\n");
  EXPECT_STREQ(closed.what(),
               "database: claim due sources: server closed the connection unexpectedly; This probably means the "
               "server terminated abnormally before or while processing the request. (SQLSTATE 08006)");
}

TEST_F(ResilienceTest, ClustererLosesItsLockWithItsConnection) {
  auto holder = db_->open("holder");
  ASSERT_TRUE(holder->try_acquire_clusterer_lock());
  EXPECT_FALSE(store_->try_acquire_clusterer_lock());
  // Terminate everyone but the test's own admin connection; store_ reconnects.
  db_->terminate_backends();
  EXPECT_THROW(holder->pending_articles(0, 1), StoreError);
  EXPECT_FALSE(holder->holds_clusterer_lock());
  EXPECT_THROW(holder->write_cluster_batch({}, kT0), NotClustererError);
  store_->reconnect();
  EXPECT_TRUE(acquire_clusterer_lock_eventually(*store_));
  holder->reconnect();
  EXPECT_FALSE(holder->try_acquire_clusterer_lock());
}

}  // namespace
}  // namespace fcd::store::test
