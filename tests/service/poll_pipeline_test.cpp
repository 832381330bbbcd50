// The daemon's poll step end to end: a claimed source is fetched from a real
// HTTP server on 127.0.0.1 and committed to a throwaway PostgreSQL through the
// same mapping functions the daemon uses (fetch_request, poll_state,
// fetch_outcome), so what the store remembers between polls is proven to
// change what the next poll does.
#include <gtest/gtest.h>

#include <optional>

#include "core/clock.hpp"
#include "feed/feed.hpp"
#include "fetch/fetcher.hpp"
#include "fetch/policy.hpp"
#include "service/mapping.hpp"
#include "store/test_database.hpp"
#include "support/http_test_server.hpp"

namespace fcd::service {
namespace {

using namespace std::chrono_literals;
using store::test::StoreTest;
using test::ReceivedRequest;
using test::ScriptedResponse;

const core::TimePoint kT0{core::Duration{1'780'000'000}};

const std::string kFeed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>"
                          "<item><title>one</title><guid>1</guid><link>https://news.example/1</link></item>"
                          "<item><title>two</title><guid>2</guid><link>https://news.example/2</link></item>"
                          "</channel></rss>";

struct PollStep {
  fetch::PollAction action = fetch::PollAction::kRetryLater;
  bool parsed = false;
  store::IngestReport report;
};

class PollPipelineTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    options_.limits.connect_timeout = 1000ms;
    options_.limits.total_timeout = 2000ms;
    options_.hosts.defaults = fetch::HostLimits{8, 0, 1};
    policy_.backoff.jitter = 0;
    policy_.interval_jitter = 0;
  }

  void add_source(const std::string& url) {
    store::SourceSpec spec;
    spec.url = url;
    store_->upsert_sources({spec}, store::SourceOrigin::kCli);
  }

  fetch::FetchResult fetch(fetch::FetchRequest request) {
    fetch::Fetcher fetcher{io_, options_, clock_};
    std::optional<fetch::FetchResult> result;
    asio::co_spawn(io_, fetcher.fetch(std::move(request)), [&](std::exception_ptr error, fetch::FetchResult value) {
      if (error) std::rethrow_exception(error);
      result = std::move(value);
    });
    io_.run();
    io_.restart();
    EXPECT_TRUE(result.has_value());
    return result.value_or(fetch::FetchResult{});
  }

  // Daemon::Impl::poll without the loop: claim, fetch, decide, parse when the
  // policy says so, commit.
  PollStep poll(core::TimePoint now) {
    db_->exec("UPDATE sources SET next_poll_at = NULL");
    auto claimed = store_->claim_due_sources(now, core::Duration{300}, 10);
    EXPECT_EQ(claimed.size(), 1u);
    if (claimed.empty()) return {};
    const auto& source = claimed[0];
    const auto result = fetch(fetch_request(source));
    auto decision = fetch::decide_poll(result, poll_state(source, 1h), now, policy_, 0.0);
    PollStep step;
    step.action = decision.action;
    std::vector<store::ArticleInput> items;
    feed::ParsedFeed parsed;
    if (decision.action == fetch::PollAction::kParse) {
      parsed = feed::parse_feed(result.body, {});
      EXPECT_TRUE(parsed.is_feed);
      items = articles_from_feed(parsed);
      step.parsed = true;
    }
    step.report = store_->commit_poll(source.id, items,
                                      fetch_outcome(result, decision, step.parsed ? &parsed : nullptr), now);
    return step;
  }

  test::HttpTestServer server_;
  asio::io_context io_;
  core::SystemWallClock clock_;
  fetch::FetcherOptions options_;
  fetch::PollPolicy policy_;
};

TEST_F(PollPipelineTest, IdenticalBodyIsNeitherParsedNorStoredAgain) {
  // No validators, so every poll is a full 200: only the body hash can tell.
  server_.route("/feed", ScriptedResponse::ok(kFeed));
  add_source(server_.url("/feed"));

  const auto first = poll(kT0);
  EXPECT_EQ(first.action, fetch::PollAction::kParse);
  EXPECT_EQ(first.report.inserted, 2);
  const std::string articles = "SELECT md5(string_agg(a::text, '|' ORDER BY id)) FROM articles a";
  const auto stored = db_->scalar(articles);

  const auto second = poll(kT0 + 1h);
  EXPECT_EQ(second.action, fetch::PollAction::kUnchanged);
  EXPECT_FALSE(second.parsed);
  EXPECT_EQ(second.report.inserted + second.report.updated + second.report.unchanged, 0) << "no items were sent";
  EXPECT_EQ(db_->scalar(articles), stored) << "no article row was written";
  const auto row = store_->list_sources().at(0);
  EXPECT_EQ(row.last_polled_at, kT0 + 1h);
  EXPECT_EQ(row.last_status, 200);
  EXPECT_EQ(row.error_count, 0);

  // A changed body is parsed again.
  server_.route("/feed", ScriptedResponse::ok(kFeed + "\n"));
  EXPECT_EQ(poll(kT0 + 2h).action, fetch::PollAction::kParse);
}

TEST_F(PollPipelineTest, FeedParsedWithRecoveredErrorsKeepsAWarningUntilACleanBody) {
  // An unescaped '&': the parser recovers both items and reports the problem.
  std::string recovered = kFeed;
  recovered.replace(recovered.find("<title>one</title>"), 18, "<title>Q&A one</title>");
  server_.route("/feed", ScriptedResponse::ok(recovered));
  add_source(server_.url("/feed"));

  EXPECT_EQ(poll(kT0).report.inserted, 2);
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

TEST_F(PollPipelineTest, PermanentRedirectIsAdoptedOnlyAfterTheGracePeriod) {
  server_.route("/old", ScriptedResponse::redirect(301, server_.url("/new")));
  server_.route("/new", ScriptedResponse::ok(kFeed));
  add_source(server_.url("/old"));

  poll(kT0);
  auto row = store_->list_sources().at(0);
  EXPECT_EQ(row.url, server_.url("/old")) << "seen once: not adopted yet";
  EXPECT_EQ(db_->scalar("SELECT pending_redirect_url FROM sources"), server_.url("/new"));

  poll(kT0 + 24h * 6);
  EXPECT_EQ(store_->list_sources().at(0).url, server_.url("/old")) << "six days: still within the grace period";
  EXPECT_EQ(db_->scalar("SELECT extract(epoch FROM pending_redirect_since)::bigint FROM sources"),
            std::to_string(kT0.time_since_epoch().count()))
      << "the first sighting counts, not the latest";

  poll(kT0 + 24h * 7);
  row = store_->list_sources().at(0);
  EXPECT_EQ(row.url, server_.url("/new"));
  EXPECT_EQ(db_->scalar("SELECT url_history->0->>'from' FROM sources"), server_.url("/old"));
  EXPECT_EQ(db_->scalar("SELECT pending_redirect_url IS NULL FROM sources"), "t");

  const auto old_requests = server_.requests_for("/old").size();
  poll(kT0 + 24h * 8);
  EXPECT_EQ(server_.requests_for("/old").size(), old_requests) << "the moved source is fetched at its new URL";
}

TEST_F(PollPipelineTest, TemporaryRedirectIsNeverAdopted) {
  server_.route("/old", ScriptedResponse::redirect(302, server_.url("/new")));
  server_.route("/new", ScriptedResponse::ok(kFeed));
  add_source(server_.url("/old"));
  poll(kT0);
  poll(kT0 + 24h * 30);
  EXPECT_EQ(store_->list_sources().at(0).url, server_.url("/old"));
  EXPECT_EQ(db_->scalar("SELECT pending_redirect_url IS NULL FROM sources"), "t");
}

TEST_F(PollPipelineTest, GoneDisablesTheSourceAsTheDaemonsDecision) {
  server_.route("/feed", ScriptedResponse::status_only(410));
  add_source(server_.url("/feed"));
  EXPECT_EQ(poll(kT0).action, fetch::PollAction::kDisable);
  const auto row = store_->list_sources().at(0);
  EXPECT_FALSE(row.enabled);
  EXPECT_EQ(row.disabled_by, "gone");
  EXPECT_EQ(row.last_status, 410);
}

}  // namespace
}  // namespace fcd::service
