// Pure poll policy with a fixed "now" and fixed jitter draws: no sockets.
#include "fetch/policy.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/clock.hpp"

namespace fcd::fetch {
namespace {

using namespace std::chrono_literals;

const core::TimePoint kNow = std::chrono::time_point_cast<std::chrono::seconds>(
    std::chrono::sys_days{std::chrono::year{1994} / 11 / 6} + 8h + 49min + 37s);

TEST(RetryAfter, SecondsOrDate) {
  EXPECT_EQ(parse_retry_after("120", kNow), kNow + 120s);
  EXPECT_EQ(parse_retry_after(" 0 ", kNow), kNow);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 09:49:37 GMT", kNow), kNow + 1h);
  EXPECT_EQ(parse_retry_after("Sat, 05 Nov 1994 09:49:37 GMT", kNow), kNow);  // past: now
  EXPECT_FALSE(parse_retry_after("-5", kNow));
  EXPECT_FALSE(parse_retry_after("soon", kNow));
  EXPECT_FALSE(parse_retry_after("", kNow));
}

TEST(Backoff, DoublesUpToTheCapWithJitter) {
  BackoffOptions options;  // 5 min base, 24 h cap, 20 % jitter
  EXPECT_EQ(backoff_delay(1, options, 0.0), 5min);
  EXPECT_EQ(backoff_delay(2, options, 0.0), 10min);
  EXPECT_EQ(backoff_delay(4, options, 0.0), 40min);
  EXPECT_EQ(backoff_delay(1, options, 0.5), 5min + 30s);
  EXPECT_EQ(backoff_delay(30, options, 0.0), 24h);
  EXPECT_EQ(backoff_delay(1000, options, 0.0), 24h);
  EXPECT_LE(backoff_delay(1000, options, 0.999), 24h + 288min);
}

FetchResult response(int status) {
  FetchResult result;
  result.status = status;
  return result;
}

TEST(DecidePoll, NetworkErrorCountsAndBacksOff) {
  FetchResult result;
  result.error = FetchError::kConnect;
  result.error_message = "refused";
  PollPolicy policy;
  policy.backoff.jitter = 0;
  const PollDecision decision = decide_poll(result, SourcePollState{3, 1h, {}}, kNow, policy, 0.0);
  EXPECT_EQ(decision.action, PollAction::kRetryLater);
  EXPECT_EQ(decision.error_count, 4);
  EXPECT_EQ(decision.next_poll_at, kNow + 40min);
  EXPECT_EQ(decision.error, "connect: refused");
}

TEST(DecidePoll, SuccessResetsErrorsAndJittersTheIntervalLater) {
  PollPolicy policy;  // 10 % interval jitter
  const PollDecision decision = decide_poll(response(200), SourcePollState{5, 1h, {}}, kNow, policy, 0.5);
  EXPECT_EQ(decision.action, PollAction::kParse);
  EXPECT_EQ(decision.error_count, 0);
  EXPECT_EQ(decision.next_poll_at, kNow + 1h + 3min);
  EXPECT_TRUE(decision.error.empty());
}

TEST(DecidePoll, RateLimitedWithoutRetryAfterWaitsTheDefault) {
  PollPolicy policy;
  const PollDecision decision = decide_poll(response(429), {}, kNow, policy, 0.0);
  EXPECT_EQ(decision.action, PollAction::kRateLimited);
  EXPECT_EQ(decision.next_poll_at, kNow + 1h);
}

TEST(DecidePoll, RetryAfterIsCapped) {
  FetchResult result = response(429);
  result.retry_after = "99999999";
  PollPolicy policy;
  EXPECT_EQ(decide_poll(result, {}, kNow, policy, 0.0).next_poll_at, kNow + std::chrono::days{7});
}

TEST(DecidePoll, CancelledIsNeitherAnErrorNorADelay) {
  FetchResult result;
  result.error = FetchError::kCancelled;
  const PollDecision decision = decide_poll(result, SourcePollState{2, 1h, {}}, kNow, PollPolicy{}, 0.0);
  EXPECT_EQ(decision.error_count, 2);
  EXPECT_EQ(decision.next_poll_at, kNow);
}

FetchResult redirected(std::vector<RedirectHop> hops, int final_status = 200) {
  FetchResult result = response(final_status);
  result.redirects = std::move(hops);
  return result;
}

TEST(DecideRedirect, PermanentPrefixOfTheChainIsTheCandidate) {
  const auto result = redirected({{"http://a/", "http://b/", 301}, {"http://b/", "http://c/", 302},
                                  {"http://c/", "http://d/", 308}});
  const RedirectDecision decision = decide_redirect(result, std::nullopt, kNow, std::chrono::days{7});
  ASSERT_TRUE(decision.pending);
  EXPECT_EQ(decision.pending->url, "http://b/");
}

TEST(DecideRedirect, AdoptsOnlyAfterGraceAndOnlyWhenTheTargetWorks) {
  const auto grace = std::chrono::days{7};
  const auto ok = redirected({{"http://a/", "http://b/", 301}});
  const PendingRedirect young{"http://b/", kNow - std::chrono::days{6}};
  const PendingRedirect old{"http://b/", kNow - std::chrono::days{7}};
  EXPECT_EQ(decide_redirect(ok, young, kNow, grace).pending, young);
  EXPECT_FALSE(decide_redirect(ok, young, kNow, grace).adopt_url);
  EXPECT_EQ(decide_redirect(ok, old, kNow, grace).adopt_url, "http://b/");

  const auto failing = redirected({{"http://a/", "http://b/", 301}}, 500);
  EXPECT_FALSE(decide_redirect(failing, old, kNow, grace).adopt_url);
  EXPECT_EQ(decide_redirect(failing, old, kNow, grace).pending, old);
}

TEST(DecideRedirect, NewTargetRestartsTheClockAndNoRedirectClearsIt) {
  const PendingRedirect old{"http://b/", kNow - std::chrono::days{30}};
  const auto elsewhere = redirected({{"http://a/", "http://evil/", 301}});
  const RedirectDecision moved = decide_redirect(elsewhere, old, kNow, std::chrono::days{7});
  EXPECT_EQ(moved.pending, (PendingRedirect{"http://evil/", kNow}));
  EXPECT_FALSE(moved.adopt_url);
  EXPECT_FALSE(decide_redirect(response(200), old, kNow, std::chrono::days{7}).pending);
  EXPECT_EQ(decide_redirect(response(0), old, kNow, std::chrono::days{7}).pending, old);
}

TEST(AdaptiveInterval, FollowsTheItemRateWithinBounds) {
  IntervalOptions options;  // 10 min .. 24 h
  options.jitter = 0;
  std::vector<core::TimePoint> hourly;
  for (int i = 0; i < 10; ++i) hourly.push_back(kNow - std::chrono::hours{i});
  EXPECT_EQ(adaptive_interval(hourly, kNow, {}, options, 0.0), 30min);

  std::vector<core::TimePoint> busy;
  for (int i = 0; i < 10; ++i) busy.push_back(kNow - std::chrono::minutes{i});
  EXPECT_EQ(adaptive_interval(busy, kNow, {}, options, 0.0), 10min);

  std::vector<core::TimePoint> yearly{kNow - std::chrono::days{400}, kNow - std::chrono::days{800}};
  EXPECT_EQ(adaptive_interval(yearly, kNow, {}, options, 0.0), 24h);
  EXPECT_EQ(adaptive_interval({}, kNow, {}, options, 0.0), 24h);
}

TEST(AdaptiveInterval, QuietFeedSlowsDown) {
  IntervalOptions options;
  options.jitter = 0;
  // Hourly items that stopped ten hours ago.
  std::vector<core::TimePoint> times;
  for (int i = 10; i < 20; ++i) times.push_back(kNow - std::chrono::hours{i});
  EXPECT_EQ(adaptive_interval(times, kNow, {}, options, 0.0), 5h);
}

TEST(AdaptiveInterval, NeverShorterThanTheFeedAsksAndJitteredLater) {
  IntervalOptions options;
  std::vector<core::TimePoint> busy;
  for (int i = 0; i < 10; ++i) busy.push_back(kNow - std::chrono::minutes{i});
  options.jitter = 0;
  EXPECT_EQ(adaptive_interval(busy, kNow, FeedHints{1h, {}, {}}, options, 0.0), 1h);
  EXPECT_EQ(adaptive_interval(busy, kNow, FeedHints{{}, 2h, 30min}, options, 0.0), 2h);
  EXPECT_EQ(adaptive_interval(busy, kNow, FeedHints{{}, {}, std::chrono::days{30}}, options, 0.0), 10min);
  options.jitter = 0.1;
  EXPECT_EQ(adaptive_interval(busy, kNow, FeedHints{1h, {}, {}}, options, 0.5), 1h + 3min);
}

// Issue 17: the next poll was 26 h out with max_interval 24 h (the 10 % jitter
// went on top of the cap, and a feed's hint could raise past it).
TEST(AdaptiveInterval, NeverPastTheMaximumWhateverTheJitterOrHints) {
  IntervalOptions options;  // 10 min .. 24 h, 10 % jitter
  EXPECT_EQ(adaptive_interval({}, kNow, {}, options, 0.0), 24h);
  EXPECT_EQ(adaptive_interval({}, kNow, {}, options, 0.5), 24h - 72min) << "spread below the cap instead";
  EXPECT_EQ(adaptive_interval({}, kNow, {}, options, 1.0), 24h - 144min);
  EXPECT_EQ(adaptive_interval({}, kNow, FeedHints{std::chrono::days{3}, {}, {}}, options, 0.0), 24h);
  for (double draw = 0.0; draw <= 1.0; draw += 0.125) {
    for (const auto hint : {1h, 23h, 48h}) {
      const auto interval = adaptive_interval({}, kNow, FeedHints{hint, {}, {}}, options, draw);
      EXPECT_LE(interval, 24h) << draw;
      EXPECT_GE(interval, std::min<core::Duration>(hint, 24h) * 9 / 10) << draw;
    }
  }
}

TEST(AdaptiveInterval, FutureDatedItemsAreIgnored) {
  IntervalOptions options;
  options.jitter = 0;
  std::vector<core::TimePoint> times{kNow + 1h, kNow + 2h, kNow - 2h, kNow - 4h};
  EXPECT_EQ(adaptive_interval(times, kNow, {}, options, 0.0), 1h);
}

TEST(HostPause, OneRateLimitedSourceDoesNotPauseTheHost) {
  HostPauseTracker tracker{HostPauseOptions{3, 10min}};
  EXPECT_FALSE(tracker.record_rate_limited("example.org", 1, kNow, kNow + 1h));
  EXPECT_FALSE(tracker.record_rate_limited("example.org", 1, kNow + 1min, kNow + 1h));
  EXPECT_FALSE(tracker.record_rate_limited("example.org", 2, kNow + 2min, kNow + 1h));
  EXPECT_FALSE(tracker.paused_until("example.org", kNow + 2min));
}

TEST(HostPause, SeveralSourcesPauseTheHostUntilTheEarliestRetry) {
  HostPauseTracker tracker{HostPauseOptions{3, 10min}};
  tracker.record_rate_limited("example.org", 1, kNow, kNow + 2h);
  tracker.record_rate_limited("example.org", 2, kNow, kNow + 30min);
  EXPECT_EQ(tracker.record_rate_limited("example.org", 3, kNow, kNow + 1h), kNow + 30min);
  EXPECT_EQ(tracker.paused_until("example.org", kNow + 10min), kNow + 30min);
  EXPECT_FALSE(tracker.paused_until("example.org", kNow + 30min));
  EXPECT_FALSE(tracker.paused_until("other.org", kNow));
}

TEST(HostPause, OldHitsAndRecoveredSourcesDoNotCount) {
  HostPauseTracker tracker{HostPauseOptions{3, 10min}};
  tracker.record_rate_limited("example.org", 1, kNow, kNow + 1h);
  tracker.record_rate_limited("example.org", 2, kNow + 5min, kNow + 1h);
  tracker.record_success("example.org", 2);
  EXPECT_FALSE(tracker.record_rate_limited("example.org", 3, kNow + 6min, kNow + 1h));
  EXPECT_FALSE(tracker.record_rate_limited("example.org", 2, kNow + 20min, kNow + 1h));  // hit 1 expired
}

}  // namespace
}  // namespace fcd::fetch
