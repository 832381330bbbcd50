// The daemon's Poller itself, end to end: a claimed source is fetched from a
// real HTTP server on 127.0.0.1, parsed on a CPU pool and committed to a
// throwaway PostgreSQL through a real DbPool, so what the store remembers
// between polls is proven to change what the next poll does. The clock is a
// ManualWallClock; jitter is 0, so intervals and backoffs are exact.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "core/clock.hpp"
#include "fetch/fetcher.hpp"
#include "service/db_pool.hpp"
#include "service/live_config.hpp"
#include "service/mapping.hpp"
#include "service/metrics.hpp"
#include "service/poller.hpp"
#include "service/systemd_notify.hpp"
#include "store/test_database.hpp"
#include "support/http_test_server.hpp"

namespace fcd::service {
namespace {

using namespace std::chrono_literals;
using store::test::StoreTest;
using test::ScriptedResponse;

const core::TimePoint kT0{core::Duration{1'780'000'000}};

const std::string kFeed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>"
                          "<item><title>one</title><guid>1</guid><link>https://news.example/1</link></item>"
                          "<item><title>two</title><guid>2</guid><link>https://news.example/2</link></item>"
                          "</channel></rss>";

class RecordingObserver final : public RunObserver {
 public:
  void polled(const PollReport& report) override { polls.push_back(report); }
  std::vector<PollReport> polls;
};

class PollerTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    config::Config config;
    config.polling.default_interval = 1h;
    config.polling.min_interval = 10min;
    config.polling.max_interval = 3h;
    live_ = std::make_unique<LiveConfig>(std::make_shared<const config::Config>(config));
    auto options = fetcher_options(config);
    options.limits.connect_timeout = 1000ms;
    options.limits.total_timeout = 2000ms;
    options.hosts.defaults = fetch::HostLimits{8, 0, 1};
    fetcher_ = std::make_unique<fetch::Fetcher>(io_, options, clock_);
    pool_ = std::make_unique<DbPool>(store::StoreOptions{.url = db_->url(), .instance_id = "test-instance"}, 2);
    poller_ = std::make_unique<Poller>(
        Poller::Parts{*fetcher_, *pool_, cpu_, clock_, *live_, metrics_, progress_, observer_}, [] { return 0.0; });
  }

  void TearDown() override {
    poller_.reset();
    pool_->stop();
  }

  void add_source(const std::string& url, std::optional<core::Duration> interval = std::nullopt) {
    store::SourceSpec spec;
    spec.url = url;
    spec.interval = interval;
    store_->upsert_sources({spec}, store::SourceOrigin::kCli);
  }

  std::optional<PollReport> run_poll(const store::ClaimedSource& source) {
    std::optional<PollReport> report;
    bool done = false;
    asio::co_spawn(io_, poller_->poll(source), [&](std::exception_ptr error, std::optional<PollReport> value) {
      if (error) std::rethrow_exception(error);
      report = std::move(value);
      done = true;
    });
    io_.run();
    io_.restart();
    EXPECT_TRUE(done);
    return report;
  }

  // Makes the one source due at `now`, claims it and polls it.
  PollReport poll(core::TimePoint now) {
    clock_.set(now);
    db_->exec("UPDATE sources SET next_poll_at = NULL");
    auto claimed = store_->claim_due_sources(now, core::Duration{300}, 10);
    EXPECT_EQ(claimed.size(), 1u);
    if (claimed.empty()) return {};
    auto report = run_poll(claimed[0]);
    EXPECT_TRUE(report.has_value()) << "the poll was committed";
    return report.value_or(PollReport{});
  }

  std::uint64_t polls(PollOutcome outcome) const { return metrics_.polls[std::size_t(outcome)].value(); }

  test::HttpTestServer server_;
  asio::io_context io_;
  core::ManualWallClock clock_{kT0};
  std::unique_ptr<LiveConfig> live_;
  std::unique_ptr<fetch::Fetcher> fetcher_;
  std::unique_ptr<DbPool> pool_;
  asio::thread_pool cpu_{1};
  Metrics metrics_{"test", kT0};
  ProgressWatchdog progress_{clock_, ProgressLimits{}};
  RecordingObserver observer_;
  std::unique_ptr<Poller> poller_;
};

TEST_F(PollerTest, StoresTheItemsAndTellsTheObserver) {
  server_.route("/feed", ScriptedResponse::ok(kFeed));
  add_source(server_.url("/feed"));
  const auto report = poll(kT0);
  EXPECT_EQ(report.status, 200);
  EXPECT_EQ(report.action, fetch::PollAction::kParse);
  EXPECT_EQ(report.outcome, PollOutcome::kOk);
  EXPECT_EQ(report.inserted, 2);
  EXPECT_TRUE(report.answered);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM articles"), "2");
  ASSERT_EQ(observer_.polls.size(), 1u);
  EXPECT_EQ(observer_.polls[0].url, server_.url("/feed"));
  EXPECT_EQ(polls(PollOutcome::kOk), 1u);
  EXPECT_EQ(metrics_.item(ItemResult::kNew).value(), 2u);
  EXPECT_EQ(poller_->totals().polls, 1u);
  EXPECT_EQ(poller_->totals().items_new, 2u);
  EXPECT_EQ(poller_->commits_pending(), 0u);
}

TEST_F(PollerTest, IdenticalBodyIsNeitherParsedNorStoredAgain) {
  // No validators, so every poll is a full 200: only the body hash can tell.
  server_.route("/feed", ScriptedResponse::ok(kFeed));
  add_source(server_.url("/feed"));

  EXPECT_EQ(poll(kT0).inserted, 2);
  const std::string articles = "SELECT md5(string_agg(a::text, '|' ORDER BY id)) FROM articles a";
  const auto stored = db_->scalar(articles);

  const auto second = poll(kT0 + 1h);
  EXPECT_EQ(second.action, fetch::PollAction::kUnchanged);
  EXPECT_EQ(second.outcome, PollOutcome::kUnchanged);
  EXPECT_EQ(second.inserted + second.updated + second.unchanged, 0) << "no items were sent";
  EXPECT_EQ(db_->scalar(articles), stored) << "no article row was written";
  const auto row = store_->list_sources().at(0);
  EXPECT_EQ(row.last_polled_at, kT0 + 1h);
  EXPECT_EQ(row.last_status, 200);
  EXPECT_EQ(row.error_count, 0);

  // A changed body is parsed again.
  server_.route("/feed", ScriptedResponse::ok(kFeed + "\n"));
  EXPECT_EQ(poll(kT0 + 2h).action, fetch::PollAction::kParse);
}

TEST_F(PollerTest, FeedParsedWithRecoveredErrorsKeepsAWarningUntilACleanBody) {
  // An unescaped '&': the parser recovers both items and reports the problem.
  std::string recovered = kFeed;
  recovered.replace(recovered.find("<title>one</title>"), 18, "<title>Q&A one</title>");
  server_.route("/feed", ScriptedResponse::ok(recovered));
  add_source(server_.url("/feed"));

  EXPECT_EQ(poll(kT0).inserted, 2);
  EXPECT_EQ(metrics_.parse_errors.value(), 1u) << "a document with parser errors, recovered";
  EXPECT_EQ(polls(PollOutcome::kOk), 1u) << "but the poll succeeded";
  auto row = store_->list_sources().at(0);
  EXPECT_EQ(row.error_count, 0);
  EXPECT_EQ(row.last_success_at, kT0);
  ASSERT_TRUE(row.last_error.has_value()) << "the warning is recorded";
  EXPECT_TRUE(row.last_error->starts_with("warning: ")) << *row.last_error;
  const auto warning = *row.last_error;

  // The same body is not parsed again, and the warning still describes it.
  EXPECT_EQ(poll(kT0 + 1h).action, fetch::PollAction::kUnchanged);
  EXPECT_EQ(store_->list_sources().at(0).last_error, warning);

  // A failed poll replaces the warning with its error; when the same body
  // comes back it is parsed again, so the warning is back too.
  server_.route("/feed", ScriptedResponse::status_only(500));
  poll(kT0 + 2h);
  EXPECT_EQ(store_->list_sources().at(0).last_error, "HTTP 500");
  server_.route("/feed", ScriptedResponse::ok(recovered));
  EXPECT_EQ(poll(kT0 + 3h).action, fetch::PollAction::kParse);
  row = store_->list_sources().at(0);
  EXPECT_EQ(row.last_error, warning);
  EXPECT_EQ(row.error_count, 0);

  server_.route("/feed", ScriptedResponse::ok(kFeed));
  EXPECT_EQ(poll(kT0 + 4h).action, fetch::PollAction::kParse);
  row = store_->list_sources().at(0);
  EXPECT_FALSE(row.last_error.has_value()) << "a clean body clears it";
  EXPECT_EQ(row.error_count, 0);
}

TEST_F(PollerTest, FeedBrokenBeforeItsFirstItemIsAnErrorWithBackoff) {
  server_.route("/feed", ScriptedResponse::ok("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t"));
  add_source(server_.url("/feed"));
  const auto report = poll(kT0);
  EXPECT_EQ(report.outcome, PollOutcome::kParseError);
  EXPECT_TRUE(report.error.starts_with("feed broken before its first item")) << report.error;
  EXPECT_EQ(report.error_count, 1);
  EXPECT_GT(report.next_poll_at, kT0) << "backed off";
  const auto row = store_->list_sources().at(0);
  EXPECT_EQ(row.error_count, 1);
  EXPECT_EQ(row.last_error, report.error);
  EXPECT_EQ(metrics_.parse_errors.value(), polls(PollOutcome::kParseError))
      << "parse_errors_total agrees with polls_total{outcome=\"parse_error\"}";
  EXPECT_EQ(poller_->totals().errors, 1u);

  const auto again = poll(kT0 + 1h);
  EXPECT_EQ(again.error_count, 2);
  EXPECT_GT(again.next_poll_at - (kT0 + 1h), report.next_poll_at - kT0) << "the backoff grows";
}

TEST_F(PollerTest, HtmlPageIsAParseErrorNamingTheFeedsItLinks) {
  server_.route("/page", ScriptedResponse::ok("<!doctype html><html><head><link rel=\"alternate\" "
                                              "type=\"application/rss+xml\" href=\"/rss\"></head><body></body></html>",
                                              "text/html"));
  add_source(server_.url("/page"));
  const auto report = poll(kT0);
  EXPECT_EQ(report.outcome, PollOutcome::kParseError);
  EXPECT_NE(report.error.find(server_.url("/rss")), std::string::npos) << report.error;
  EXPECT_EQ(metrics_.parse_errors.value(), 1u);
  EXPECT_EQ(polls(PollOutcome::kParseError), 1u);
  EXPECT_EQ(failure_reason(report, fetch::FetchError::kNone), "HTML page, not a feed");
}

TEST_F(PollerTest, HttpErrorsBackOffAndCountInARow) {
  server_.route("/feed", ScriptedResponse::status_only(404));
  add_source(server_.url("/feed"));
  const auto first = poll(kT0);
  EXPECT_EQ(first.outcome, PollOutcome::kHttpError);
  EXPECT_EQ(first.error, "HTTP 404");
  EXPECT_EQ(failure_reason(first, fetch::FetchError::kNone), "HTTP 404");
  const auto second = poll(kT0 + 1h);
  EXPECT_EQ(second.error_count, 2);
  EXPECT_GT(second.next_poll_at - (kT0 + 1h), first.next_poll_at - kT0);
  EXPECT_EQ(polls(PollOutcome::kHttpError), 2u);
  EXPECT_EQ(store_->list_sources().at(0).error_count, 2);

  server_.route("/feed", ScriptedResponse::ok(kFeed));
  const auto recovered = poll(kT0 + 2h);
  EXPECT_TRUE(recovered.error.empty());
  EXPECT_EQ(store_->list_sources().at(0).error_count, 0);
}

TEST_F(PollerTest, NoAnswerIsANetworkError) {
  // A port nobody listens on: the server is asked for a free port and closed.
  std::string url;
  {
    test::HttpTestServer closed;
    url = closed.url("/feed");
  }
  add_source(url);
  const auto report = poll(kT0);
  EXPECT_EQ(report.outcome, PollOutcome::kNetworkError);
  EXPECT_EQ(report.status, 0);
  EXPECT_FALSE(report.answered);
  EXPECT_EQ(polls(PollOutcome::kNetworkError), 1u);
}

TEST_F(PollerTest, SourceIntervalIsKept) {
  server_.route("/feed", ScriptedResponse::ok(kFeed));
  add_source(server_.url("/feed"), 2h);
  EXPECT_EQ(poll(kT0).next_poll_at, kT0 + 2h);
  EXPECT_EQ(store_->list_sources().at(0).next_poll_at, kT0 + 2h);
}

TEST_F(PollerTest, AdaptiveIntervalReadsTheConfigurationOfEachPoll) {
  // Undated items say nothing about the feed's rate: the longest interval.
  server_.route("/feed", ScriptedResponse::ok(kFeed));
  add_source(server_.url("/feed"));
  EXPECT_EQ(poll(kT0).next_poll_at, kT0 + 3h);

  auto changed = std::make_shared<config::Config>(*live_->get());
  changed->polling.max_interval = 2h;
  live_->replace(changed);
  server_.route("/feed", ScriptedResponse::ok(kFeed + " "));
  EXPECT_EQ(poll(kT0 + 1h).next_poll_at, kT0 + 1h + 2h) << "a reload applies from the next poll";
}

TEST_F(PollerTest, PermanentRedirectIsAdoptedOnlyAfterTheGracePeriod) {
  server_.route("/old", ScriptedResponse::redirect(301, server_.url("/new")));
  server_.route("/new", ScriptedResponse::ok(kFeed));
  add_source(server_.url("/old"));

  poll(kT0);
  EXPECT_EQ(store_->list_sources().at(0).url, server_.url("/old")) << "seen once: not adopted yet";
  EXPECT_EQ(db_->scalar("SELECT pending_redirect_url FROM sources"), server_.url("/new"));

  poll(kT0 + 24h * 6);
  EXPECT_EQ(store_->list_sources().at(0).url, server_.url("/old")) << "six days: still within the grace period";
  EXPECT_EQ(db_->scalar("SELECT extract(epoch FROM pending_redirect_since)::bigint FROM sources"),
            std::to_string(kT0.time_since_epoch().count()))
      << "the first sighting counts, not the latest";

  poll(kT0 + 24h * 7);
  EXPECT_EQ(store_->list_sources().at(0).url, server_.url("/new"));
  EXPECT_EQ(db_->scalar("SELECT url_history->0->>'from' FROM sources"), server_.url("/old"));
  EXPECT_EQ(db_->scalar("SELECT pending_redirect_url IS NULL FROM sources"), "t");

  const auto old_requests = server_.requests_for("/old").size();
  poll(kT0 + 24h * 8);
  EXPECT_EQ(server_.requests_for("/old").size(), old_requests) << "the moved source is fetched at its new URL";
}

TEST_F(PollerTest, TemporaryRedirectIsNeverAdopted) {
  server_.route("/old", ScriptedResponse::redirect(302, server_.url("/new")));
  server_.route("/new", ScriptedResponse::ok(kFeed));
  add_source(server_.url("/old"));
  poll(kT0);
  poll(kT0 + 24h * 30);
  EXPECT_EQ(store_->list_sources().at(0).url, server_.url("/old"));
  EXPECT_EQ(db_->scalar("SELECT pending_redirect_url IS NULL FROM sources"), "t");
}

TEST_F(PollerTest, GoneDisablesTheSource) {
  server_.route("/feed", ScriptedResponse::status_only(410));
  add_source(server_.url("/feed"));
  const auto report = poll(kT0);
  EXPECT_EQ(report.action, fetch::PollAction::kDisable);
  EXPECT_EQ(report.outcome, PollOutcome::kGone);
  const auto row = store_->list_sources().at(0);
  EXPECT_FALSE(row.enabled);
  EXPECT_EQ(row.disabled_by, "gone");
  EXPECT_EQ(row.last_status, 410);
}

TEST_F(PollerTest, LostLeaseCommitsNothing) {
  server_.route("/feed", ScriptedResponse::ok(kFeed));
  add_source(server_.url("/feed"));
  auto claimed = store_->claim_due_sources(kT0, core::Duration{300}, 10);
  ASSERT_EQ(claimed.size(), 1u);
  db_->exec("UPDATE sources SET lease_owner = 'another-instance'");
  EXPECT_FALSE(run_poll(claimed[0]).has_value());
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM articles"), "0");
  EXPECT_TRUE(observer_.polls.empty());
  EXPECT_EQ(poller_->totals().polls, 0u);
}

TEST(FailureLog, LogsTheStartAChangeEachDayAndTheRecovery) {
  FailureLog log;
  using Event = FailureLog::Event;
  EXPECT_EQ(log.note(1, {}, 0, kT0), Event::kNone) << "a success of a healthy source";
  EXPECT_EQ(log.note(1, "HTTP 404", 0, kT0), Event::kStarted);
  EXPECT_EQ(log.note(1, "HTTP 404", 1, kT0 + 1h), Event::kNone) << "the same failure again";
  EXPECT_EQ(log.note(1, "HTTP 404", 5, kT0 + 23h), Event::kNone);
  EXPECT_EQ(log.note(1, "HTTP 404", 6, kT0 + 24h), Event::kStillFailing) << "a day later";
  EXPECT_EQ(log.note(1, "HTTP 404", 7, kT0 + 30h), Event::kNone);
  EXPECT_EQ(log.note(1, "timeout", 8, kT0 + 31h), Event::kChanged);
  EXPECT_EQ(log.note(1, "timeout", 9, kT0 + 32h), Event::kNone);
  EXPECT_EQ(log.note(1, {}, 10, kT0 + 33h), Event::kRecovered);
  EXPECT_EQ(log.note(1, {}, 0, kT0 + 34h), Event::kNone);
  EXPECT_EQ(log.note(1, "HTTP 500", 0, kT0 + 35h), Event::kStarted) << "failing again";
}

TEST(FailureLog, SourceFailingSinceBeforeARestartIsStillFailing) {
  FailureLog log;
  EXPECT_EQ(log.note(7, "timeout", 3, kT0), FailureLog::Event::kStillFailing);
  EXPECT_EQ(log.note(8, {}, 3, kT0), FailureLog::Event::kRecovered);
}

}  // namespace
}  // namespace fcd::service
