// The source gauges as the database counts them (a throwaway PostgreSQL):
// total, enabled, due, leased by a live instance, and failing by the reason
// the stored fetch state gives; and database_up when the database is gone.
#include <gtest/gtest.h>

#include <string>

#include "service/db_pool.hpp"
#include "service/metrics.hpp"
#include "service/source_gauges.hpp"
#include "store/test_database.hpp"

namespace fcd::service {
namespace {

using store::test::StoreTest;

const core::TimePoint kT0{core::Duration{1'780'000'000}};

TEST(FailingReason, ComesFromTheStoredStatusAndErrorHead) {
  EXPECT_EQ(failing_reason(std::nullopt, "timeout"), FailingReason::kNetwork);
  EXPECT_EQ(failing_reason(std::nullopt, "cancelled by the shutdown"), FailingReason::kNetwork) << "no response";
  EXPECT_EQ(failing_reason(200, "body_too_large"), FailingReason::kNetwork) << "a fetch error after a 200";
  EXPECT_EQ(failing_reason(301, "too_many_redirects"), FailingReason::kNetwork);
  EXPECT_EQ(failing_reason(200, "HTML page, not a feed; it links to feeds"), FailingReason::kParseError);
  EXPECT_EQ(failing_reason(200, "feed broken before its first item"), FailingReason::kParseError);
  EXPECT_EQ(failing_reason(404, "HTTP 404"), FailingReason::kHttp4xx);
  EXPECT_EQ(failing_reason(429, "HTTP 429 (Retry-After 60)"), FailingReason::kHttp4xx);
  EXPECT_EQ(failing_reason(503, "HTTP 503"), FailingReason::kHttp5xx);
  EXPECT_EQ(failing_reason(300, "HTTP 300"), FailingReason::kHttpOther);
}

class SourceGaugesTest : public StoreTest {
 protected:
  void add(const std::string& name) {
    store::SourceSpec spec;
    spec.url = "https://" + name + ".example/feed";
    store_->upsert_sources({spec}, store::SourceOrigin::kCli);
  }
  // Sets columns of the source added as `name`.
  void set(const std::string& name, const std::string& assignments) {
    db_->exec("UPDATE sources SET " + assignments + " WHERE url = 'https://" + name + ".example/feed'");
  }

  // Runs refresh_source_gauges on pool and returns whether it threw a StoreError.
  bool refresh(DbPool& pool) {
    bool failed = false;
    asio::co_spawn(io_, refresh_source_gauges(pool, metrics_, kT0), [&failed](std::exception_ptr error) {
      try {
        if (error) std::rethrow_exception(error);
      } catch (const store::StoreError&) {
        failed = true;
      }
    });
    io_.run();
    io_.restart();
    return failed;
  }

  double failing(FailingReason reason) { return metrics_.failing(reason).value(); }

  asio::io_context io_;
  Metrics metrics_{"test", kT0};
};

TEST_F(SourceGaugesTest, CountsWhatTheDatabaseHolds) {
  const std::string future = "to_timestamp(" + std::to_string(kT0.time_since_epoch().count() + 600) + ")";
  const std::string past = "to_timestamp(" + std::to_string(kT0.time_since_epoch().count() - 600) + ")";
  add("healthy");
  set("healthy", "next_poll_at = " + future + ", last_status = 200, error_count = 0");
  add("recovered-with-warning");
  set("recovered-with-warning",
      "next_poll_at = " + future + ", last_status = 200, last_error = 'warning: junk after the feed', error_count = 0");
  add("never-polled");  // due
  add("not-found");
  set("not-found", "next_poll_at = " + past + ", last_status = 404, last_error = 'HTTP 404', error_count = 3");
  add("timing-out");
  set("timing-out", "next_poll_at = " + future + ", last_error = 'timeout: Operation timed out', error_count = 1");
  add("too-large");
  set("too-large", "next_poll_at = " + future + ", last_status = 200, last_error = 'body_too_large: cut', error_count = 2");
  add("html");
  set("html", "next_poll_at = " + future +
                  ", last_status = 200, last_error = 'HTML page, not a feed; it links to feeds: x', error_count = 1");
  add("server-error");
  set("server-error", "next_poll_at = " + future + ", last_status = 503, last_error = 'HTTP 503', error_count = 4");
  add("disabled");
  set("disabled", "enabled = false, disabled_by = 'user', last_status = 500, last_error = 'HTTP 500', error_count = 9");
  add("held");  // due, but another live instance holds it
  auto other = db_->open("other-instance");
  ASSERT_TRUE(other->claim_source("https://held.example/feed", kT0, core::Duration{300}));

  DbPool pool(store::StoreOptions{.url = db_->url(), .instance_id = "test-instance"}, 1);
  metrics_.database_up.set(0);
  EXPECT_FALSE(refresh(pool));
  EXPECT_EQ(metrics_.sources_total.value(), 10);
  EXPECT_EQ(metrics_.sources_enabled.value(), 9);
  EXPECT_EQ(metrics_.sources_due.value(), 2) << "never-polled and not-found; held is leased";
  EXPECT_EQ(metrics_.sources_leased.value(), 1);
  EXPECT_EQ(failing(FailingReason::kHttp4xx), 1);
  EXPECT_EQ(failing(FailingReason::kHttp5xx), 1);
  EXPECT_EQ(failing(FailingReason::kNetwork), 2) << "timing-out and too-large";
  EXPECT_EQ(failing(FailingReason::kParseError), 1);
  EXPECT_EQ(failing(FailingReason::kHttpOther), 0);
  EXPECT_EQ(metrics_.database_up.value(), 1);
  core::ManualWallClock clock{kT0};
  EXPECT_TRUE(StatusSummary(metrics_, clock).line().starts_with("10 sources (9 enabled, 5 failing, 2 due), "));

  // The instance holding "held" dies: its lease is free at once, the source due.
  other.reset();
  set("not-found", "error_count = 0, last_error = NULL, last_status = 200, next_poll_at = " + future);
  EXPECT_FALSE(refresh(pool));
  EXPECT_EQ(metrics_.sources_leased.value(), 0);
  EXPECT_EQ(metrics_.sources_due.value(), 2) << "never-polled and held";
  EXPECT_EQ(failing(FailingReason::kHttp4xx), 0) << "recovered";
  pool.stop();
}

TEST_F(SourceGaugesTest, AnUnreachableDatabaseIsDownAndTheGaugesKeepTheirValues) {
  add("one");
  DbPool pool(store::StoreOptions{.url = db_->url(), .instance_id = "test-instance"}, 1);
  EXPECT_FALSE(refresh(pool));
  pool.stop();
  EXPECT_EQ(metrics_.sources_total.value(), 1);

  DbPool gone(store::StoreOptions{.url = "postgresql://postgres@127.0.0.1:1/none?connect_timeout=2",
                                  .instance_id = "test-instance"},
              1);
  EXPECT_TRUE(refresh(gone));
  EXPECT_EQ(metrics_.database_up.value(), 0);
  EXPECT_EQ(metrics_.database_errors.value(), 1u);
  EXPECT_EQ(metrics_.sources_total.value(), 1) << "the last count stays";
  gone.stop();
}

}  // namespace
}  // namespace fcd::service
