// The fetcher against a real HTTP server on 127.0.0.1, one test per behaviour
// of issue 6, each asserting the fetch result and what the poll policy makes
// of it. Limits are sub-second so the suite stays fast under sanitizers.
#include "fetch/fetcher.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "core/version.hpp"
#include "fetch/policy.hpp"
#include "support/http_test_server.hpp"

namespace fcd::fetch {
namespace {

using namespace std::chrono_literals;
using test::Behaviour;
using test::ReceivedRequest;
using test::ScriptedResponse;

const core::TimePoint kNow = std::chrono::time_point_cast<std::chrono::seconds>(
    std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + 12h);

const std::string kFeed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>"
                          "<item><title>one</title><guid>1</guid></item></channel></rss>";

class FetcherTest : public ::testing::Test {
 protected:
  FetcherTest() {
    options.limits.connect_timeout = 1000ms;
    options.limits.total_timeout = 2000ms;
    options.limits.low_speed_bytes = 1;
    options.limits.low_speed_time = 2s;
    options.limits.max_body_bytes = 1 << 20;
    options.hosts.defaults = HostLimits{8, 0, 1};  // all tests share 127.0.0.1: no politeness here
  }

  FetchResult fetch(FetchRequest request) {
    Fetcher fetcher{io, options, clock};
    std::optional<FetchResult> result;
    asio::co_spawn(io, fetcher.fetch(std::move(request)), [&](std::exception_ptr error, FetchResult value) {
      if (error) std::rethrow_exception(error);
      result = std::move(value);
    });
    io.run();
    io.restart();
    EXPECT_TRUE(result.has_value());
    return result.value_or(FetchResult{});
  }

  FetchResult fetch(const std::string& url) { return fetch(FetchRequest{url, {}, {}, {}, {}}); }

  static PollDecision decide(const FetchResult& result, SourcePollState state = {}) {
    PollPolicy policy;
    policy.backoff.jitter = 0;
    policy.interval_jitter = 0;
    return decide_poll(result, state, kNow, policy, 0.0);
  }

  test::HttpTestServer server;
  asio::io_context io;
  core::SystemWallClock clock;
  FetcherOptions options;
};

TEST_F(FetcherTest, ConditionalGetGets200WithValidatorsThen304) {
  server.route("/feed", [](const ReceivedRequest& request) {
    if (request.header("If-None-Match") == "\"v1\"") return ScriptedResponse::status_only(304);
    return ScriptedResponse::ok(kFeed)
        .header("ETag", "\"v1\"")
        .header("Last-Modified", "Sun, 01 Mar 2026 10:00:00 GMT")
        .header("Cache-Control", "public, max-age=7200");
  });

  const FetchResult first = fetch(server.url("/feed"));
  ASSERT_TRUE(first.ok()) << first.error_message;
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.etag, "\"v1\"");
  EXPECT_EQ(first.last_modified, "Sun, 01 Mar 2026 10:00:00 GMT");
  EXPECT_EQ(first.content_type, "application/rss+xml");
  EXPECT_EQ(first.max_age, 7200s);
  EXPECT_EQ(first.body, kFeed);
  EXPECT_FALSE(first.body_unchanged);
  EXPECT_GT(first.bytes_on_wire, kFeed.size());
  const PollDecision parse = decide(first, SourcePollState{0, 1h, {}});
  EXPECT_EQ(parse.action, PollAction::kParse);
  EXPECT_EQ(parse.next_poll_at, kNow + 2h);  // max-age raises the 1 h interval

  const FetchResult second = fetch(FetchRequest{server.url("/feed"), first.etag, first.last_modified, {}, {}});
  ASSERT_TRUE(second.ok()) << second.error_message;
  EXPECT_EQ(second.status, 304);
  EXPECT_TRUE(second.body.empty());
  EXPECT_EQ(decide(second).action, PollAction::kNotModified);

  const auto sent = server.requests_for("/feed");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].header("If-None-Match"), "");
  EXPECT_EQ(sent[1].header("If-None-Match"), "\"v1\"");
  EXPECT_EQ(sent[1].header("If-Modified-Since"), "Sun, 01 Mar 2026 10:00:00 GMT");
  EXPECT_EQ(sent[0].header("User-Agent"), core::kUserAgent);
}

TEST_F(FetcherTest, SameBodyHashIsUnchangedAndSkipsParsing) {
  server.route("/feed", ScriptedResponse::ok(kFeed));
  const FetchResult first = fetch(server.url("/feed"));
  const FetchResult second = fetch(FetchRequest{server.url("/feed"), {}, {}, first.body_hash, {}});
  EXPECT_TRUE(second.body_unchanged);
  EXPECT_EQ(decide(second).action, PollAction::kUnchanged);
}

TEST_F(FetcherTest, PermanentRedirectChainIsRecordedAndAdoptedOnlyAfterGrace) {
  server.route("/old", ScriptedResponse::redirect(301, "/middle"));
  server.route("/middle", ScriptedResponse::redirect(308, server.url("/feed")));
  server.route("/feed", ScriptedResponse::ok(kFeed));

  const FetchResult result = fetch(server.url("/old"));
  ASSERT_TRUE(result.success()) << result.error_message;
  ASSERT_EQ(result.redirects.size(), 2u);
  EXPECT_EQ(result.redirects[0].from, server.url("/old"));
  EXPECT_EQ(result.redirects[0].to, server.url("/middle"));
  EXPECT_EQ(result.redirects[0].status, 301);
  EXPECT_EQ(result.redirects[1].status, 308);
  EXPECT_TRUE(result.redirects[1].permanent());
  EXPECT_EQ(result.final_url, server.url("/feed"));
  EXPECT_EQ(result.body, kFeed);

  const PollDecision first = decide(result);
  ASSERT_TRUE(first.redirect.pending.has_value());
  EXPECT_EQ(first.redirect.pending->url, server.url("/feed"));
  EXPECT_EQ(first.redirect.pending->first_seen, kNow);
  EXPECT_FALSE(first.redirect.adopt_url.has_value());

  SourcePollState held{0, 1h, PendingRedirect{server.url("/feed"), kNow - std::chrono::days{8}}};
  const PollDecision later = decide(result, held);
  EXPECT_EQ(later.redirect.adopt_url, server.url("/feed"));
  EXPECT_FALSE(later.redirect.pending.has_value());
}

TEST_F(FetcherTest, TemporaryRedirectIsFollowedButNeverAdopted) {
  server.route("/temp", ScriptedResponse::redirect(302, "/feed"));
  server.route("/feed", ScriptedResponse::ok(kFeed));
  const FetchResult result = fetch(server.url("/temp"));
  ASSERT_TRUE(result.success()) << result.error_message;
  ASSERT_EQ(result.redirects.size(), 1u);
  EXPECT_FALSE(result.redirects[0].permanent());
  const PollDecision decision = decide(result, SourcePollState{0, 1h, PendingRedirect{"x", kNow - 1000h}});
  EXPECT_FALSE(decision.redirect.pending.has_value());
  EXPECT_FALSE(decision.redirect.adopt_url.has_value());
}

TEST_F(FetcherTest, RedirectLoopIsAnError) {
  server.route("/a", ScriptedResponse::redirect(301, "/b"));
  server.route("/b", ScriptedResponse::redirect(308, "/a"));
  const FetchResult result = fetch(server.url("/a"));
  EXPECT_EQ(result.error, FetchError::kRedirectLoop);
  EXPECT_EQ(result.redirects.size(), 2u);
  const PollDecision decision = decide(result);
  EXPECT_EQ(decision.action, PollAction::kRetryLater);
  EXPECT_EQ(decision.error_count, 1);
}

TEST_F(FetcherTest, TooManyRedirectsIsAnError) {
  for (int i = 0; i < 8; ++i)
    server.route("/r" + std::to_string(i), ScriptedResponse::redirect(302, "/r" + std::to_string(i + 1)));
  options.limits.max_redirects = 3;
  const FetchResult result = fetch(server.url("/r0"));
  EXPECT_EQ(result.error, FetchError::kTooManyRedirects);
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST_F(FetcherTest, NotFoundBacksOffExponentially) {
  const FetchResult result = fetch(server.url("/missing"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.status, 404);
  const PollDecision first = decide(result);
  EXPECT_EQ(first.action, PollAction::kRetryLater);
  EXPECT_EQ(first.error_count, 1);
  EXPECT_EQ(first.next_poll_at, kNow + 5min);
  EXPECT_EQ(first.error, "HTTP 404");
  const PollDecision third = decide(result, SourcePollState{2, 1h, {}});
  EXPECT_EQ(third.next_poll_at, kNow + 20min);
  EXPECT_EQ(decide(result, SourcePollState{40, 1h, {}}).next_poll_at, kNow + 24h);
}

TEST_F(FetcherTest, ServerErrorBacksOff) {
  server.route("/broken", ScriptedResponse::status_only(500));
  const PollDecision decision = decide(fetch(server.url("/broken")));
  EXPECT_EQ(decision.action, PollAction::kRetryLater);
  EXPECT_EQ(decision.next_poll_at, kNow + 5min);
}

TEST_F(FetcherTest, GoneDisablesTheSource) {
  server.route("/gone", ScriptedResponse::status_only(410));
  const FetchResult result = fetch(server.url("/gone"));
  EXPECT_EQ(result.status, 410);
  EXPECT_EQ(decide(result).action, PollAction::kDisable);
}

TEST_F(FetcherTest, TooManyRequestsHonoursRetryAfterSeconds) {
  server.route("/limited", ScriptedResponse::status_only(429).header("Retry-After", "120"));
  const FetchResult result = fetch(server.url("/limited"));
  EXPECT_EQ(result.status, 429);
  EXPECT_EQ(result.retry_after, "120");
  const PollDecision decision = decide(result);
  EXPECT_EQ(decision.action, PollAction::kRateLimited);
  EXPECT_EQ(decision.next_poll_at, kNow + 120s);
}

TEST_F(FetcherTest, ServiceUnavailableHonoursRetryAfterDate) {
  server.route("/busy", ScriptedResponse::status_only(503).header("Retry-After", "Sun, 01 Mar 2026 15:00:00 GMT"));
  const PollDecision decision = decide(fetch(server.url("/busy")));
  EXPECT_EQ(decision.action, PollAction::kRetryLater);
  EXPECT_EQ(decision.next_poll_at, kNow + 3h);
  EXPECT_EQ(decision.error_count, 1);
}

TEST_F(FetcherTest, GzipBodyIsDecompressed) {
  std::string big_feed;
  for (int i = 0; i < 200; ++i) big_feed += kFeed;
  server.route("/gz", ScriptedResponse::gzipped(big_feed));
  const FetchResult result = fetch(server.url("/gz"));
  ASSERT_TRUE(result.success()) << result.error_message;
  EXPECT_EQ(result.body, big_feed);
  EXPECT_LT(result.bytes_on_wire, big_feed.size() / 5);
  EXPECT_NE(server.requests_for("/gz").at(0).header("Accept-Encoding").find("gzip"), std::string::npos);
}

TEST_F(FetcherTest, GzipBombIsCutOffAtTheDecompressedCap) {
  server.route("/bomb", ScriptedResponse::gzipped(std::string(64 << 20, '\0')));
  const FetchResult result = fetch(server.url("/bomb"));
  EXPECT_EQ(result.error, FetchError::kBodyTooLarge) << result.error_message;
  EXPECT_EQ(result.body.size(), options.limits.max_body_bytes);
  EXPECT_EQ(decide(result).action, PollAction::kRetryLater);
}

TEST_F(FetcherTest, BodyOverTheLimitIsRefused) {
  server.route("/huge", ScriptedResponse::ok(std::string((1 << 20) + 1, 'x')));
  EXPECT_EQ(fetch(server.url("/huge")).error, FetchError::kBodyTooLarge);
}

TEST_F(FetcherTest, EndlessChunkedBodyIsCutOff) {
  ScriptedResponse endless = ScriptedResponse::ok("");
  endless.behaviour = Behaviour::kEndless;
  server.route("/endless", endless);
  const FetchResult result = fetch(server.url("/endless"));
  EXPECT_EQ(result.error, FetchError::kBodyTooLarge);
  EXPECT_EQ(result.body.size(), options.limits.max_body_bytes);
}

TEST_F(FetcherTest, ServerThatNeverAnswersTimesOut) {
  ScriptedResponse silent;
  silent.behaviour = Behaviour::kNoAnswer;
  server.route("/silent", silent);
  options.limits.total_timeout = 500ms;
  const FetchResult result = fetch(server.url("/silent"));
  EXPECT_EQ(result.error, FetchError::kTimeout);
  EXPECT_LT(result.timings.total, 1500ms);
  EXPECT_EQ(decide(result).action, PollAction::kRetryLater);
}

TEST_F(FetcherTest, StallAfterHeadersTimesOut) {
  ScriptedResponse stall = ScriptedResponse::ok(kFeed);
  stall.behaviour = Behaviour::kStallAfterHeaders;
  server.route("/stall", stall);
  options.limits.total_timeout = 500ms;
  EXPECT_EQ(fetch(server.url("/stall")).error, FetchError::kTimeout);
}

TEST_F(FetcherTest, OneByteASecondIsAbortedAsTooSlow) {
  ScriptedResponse drip = ScriptedResponse::ok(kFeed);
  drip.behaviour = Behaviour::kDrip;
  drip.drip_interval = 1000ms;
  server.route("/drip", drip);
  options.limits.total_timeout = 10s;  // the low-speed rule, not the total timeout, must end it
  options.limits.low_speed_bytes = 10;
  options.limits.low_speed_time = 1s;
  const FetchResult result = fetch(server.url("/drip"));
  EXPECT_EQ(result.error, FetchError::kTimeout) << result.error_message;
  EXPECT_LT(result.timings.total, 4s);
}

TEST_F(FetcherTest, CloseMidBodyIsABrokenTransfer) {
  ScriptedResponse cut = ScriptedResponse::ok(kFeed);
  cut.behaviour = Behaviour::kCloseMidBody;
  server.route("/cut", cut);
  const FetchResult result = fetch(server.url("/cut"));
  EXPECT_EQ(result.error, FetchError::kBrokenTransfer) << result.error_message;
  EXPECT_EQ(decide(result).action, PollAction::kRetryLater);
}

TEST_F(FetcherTest, LyingContentLengthIsABrokenTransfer) {
  ScriptedResponse liar = ScriptedResponse::ok(kFeed);
  liar.behaviour = Behaviour::kLyingLength;
  liar.declared_length = kFeed.size() + 100;
  server.route("/liar", liar);
  EXPECT_EQ(fetch(server.url("/liar")).error, FetchError::kBrokenTransfer);
}

TEST_F(FetcherTest, HtmlPageComesBackWithContentTypeAndFirstBytes) {
  const std::string page =
      "<!DOCTYPE html><html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/feed\">"
      "</head><body>hello</body></html>";
  server.route("/page", ScriptedResponse::ok(page, "text/html; charset=utf-8"));
  const FetchResult result = fetch(server.url("/page"));
  ASSERT_TRUE(result.success());
  EXPECT_EQ(result.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(result.first_bytes(15), "<!DOCTYPE html>");
  // Classifying it as "HTML, not a feed" is the parser's job; policy hands it over.
  EXPECT_EQ(decide(result).action, PollAction::kParse);
}

TEST_F(FetcherTest, RedirectToFileOrGopherIsRefused) {
  server.route("/to-file", ScriptedResponse::redirect(302, "file:///etc/passwd"));
  server.route("/to-gopher", ScriptedResponse::redirect(301, "gopher://127.0.0.1:70/"));
  const FetchResult file = fetch(server.url("/to-file"));
  EXPECT_EQ(file.error, FetchError::kUnsupportedProtocol) << file.error_message;
  EXPECT_TRUE(file.body.empty());
  EXPECT_EQ(fetch(server.url("/to-gopher")).error, FetchError::kUnsupportedProtocol);
  EXPECT_EQ(fetch("ftp://127.0.0.1/feed").error, FetchError::kUnsupportedProtocol);
}

TEST_F(FetcherTest, PrivateAddressesAreBlockedWhenAsked) {
  server.route("/feed", ScriptedResponse::ok(kFeed));
  options.block_private_addresses = true;
  const FetchResult result = fetch(server.url("/feed"));
  EXPECT_EQ(result.error, FetchError::kBlockedAddress) << result.error_message;
  EXPECT_NE(result.error_message.find("127.0.0.1"), std::string::npos);
  EXPECT_TRUE(server.requests().empty());
}

// Issue 18 row 7: 192.0.2.0/24 and the other special-purpose blocks are
// refused before any socket is opened (the documentation range is not routed,
// so nothing is listening there either way: the error kind tells).
TEST_F(FetcherTest, DocumentationAddressesAreBlockedWhenAsked) {
  options.block_private_addresses = true;
  for (const char* url : {"http://192.0.2.2/feed", "http://198.51.100.7/feed", "http://203.0.113.9/feed",
                          "http://192.88.99.1/feed", "http://[64:ff9b::7f00:1]/feed", "http://[2002:7f00:1::1]/feed",
                          "http://[::7f00:1]/feed"}) {
    const FetchResult result = fetch(url);
    EXPECT_EQ(result.error, FetchError::kBlockedAddress) << url << ": " << result.error_message;
  }
}

// Issue 18 row 3: through a proxy the daemon cannot see the address the proxy
// connects to, so the combination is refused instead of silently fetching.
TEST_F(FetcherTest, ProxyWithBlockedPrivateAddressesIsRefused) {
  options.proxy = server.url("");
  options.block_private_addresses = true;
  EXPECT_THROW((Fetcher{io, options, clock}), std::invalid_argument);
}

// Issue 18 row 8: a header value holding CR (or any control character) is
// dropped, so it is never echoed into the next request; so is an overlong
// validator.
TEST_F(FetcherTest, HeaderValuesWithControlCharactersAreDropped) {
  server.route("/cr", ScriptedResponse::ok(kFeed, "application/rss+xml\x1b]0;owned\x07")
                          .header("ETag", "\"v1\"\rX-Injected: yes")
                          .header("Last-Modified", "Sun, 01 Mar 2026 10:00:00 GMT\x1b[2J"));
  server.route("/long", ScriptedResponse::ok(kFeed).header("ETag", "\"" + std::string(2000, 'e') + "\""));
  const FetchResult cr = fetch(server.url("/cr"));
  ASSERT_TRUE(cr.ok()) << cr.error_message;
  EXPECT_EQ(cr.etag, "");
  EXPECT_EQ(cr.last_modified, "");
  EXPECT_EQ(cr.content_type, "");
  const FetchResult long_etag = fetch(server.url("/long"));
  ASSERT_TRUE(long_etag.ok()) << long_etag.error_message;
  EXPECT_EQ(long_etag.etag, "");

  // A validator stored before this check is not sent back either.
  server.route("/feed", ScriptedResponse::ok(kFeed));
  fetch(FetchRequest{server.url("/feed"), "\"v1\"\rX-Injected: yes", "x\ny", {}, {}});
  const auto sent = server.requests_for("/feed");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].header("If-None-Match"), "");
  EXPECT_EQ(sent[0].header("If-Modified-Since"), "");
  EXPECT_EQ(sent[0].header("X-Injected"), "");
}

// Issue 18 row 9: slow sources on many addresses of one network (here
// 127.0.0.2-.7, each its own host name) take at most max_per_address slots, so
// a healthy source elsewhere (127.0.1.1) is fetched at once.
TEST_F(FetcherTest, SlowMachineBehindManyAddressesTakesOnlyItsGroupSlots) {
  ScriptedResponse drip = ScriptedResponse::ok(std::string(20, 'x'));
  drip.behaviour = Behaviour::kDrip;
  drip.drip_interval = 50ms;  // one second per body
  std::vector<std::unique_ptr<test::HttpTestServer>> slow_servers;
  for (int i = 2; i <= 7; ++i) {
    slow_servers.push_back(std::make_unique<test::HttpTestServer>("127.0.0." + std::to_string(i)));
    slow_servers.back()->route("/slow", drip);
  }
  test::HttpTestServer healthy{"127.0.1.1"};
  healthy.route("/feed", ScriptedResponse::ok(kFeed));
  options.max_concurrent = 4;
  options.max_per_address = 2;
  options.limits.total_timeout = 5000ms;

  Fetcher fetcher{io, options, clock};
  const auto start = std::chrono::steady_clock::now();
  std::size_t max_in_flight = 0;
  int slow_done = 0;
  std::optional<std::chrono::steady_clock::duration> healthy_done;
  for (const auto& slow : slow_servers)
    asio::co_spawn(io, fetcher.fetch(FetchRequest{slow->url("/slow"), {}, {}, {}, {}}),
                   [&](std::exception_ptr, FetchResult result) {
                     EXPECT_TRUE(result.success()) << result.error_message;
                     ++slow_done;
                   });
  asio::steady_timer later{io};
  later.expires_after(200ms);  // the slow fetches hold their slots by now
  later.async_wait([&](boost::system::error_code) {
    max_in_flight = fetcher.in_flight();
    asio::co_spawn(io, fetcher.fetch(FetchRequest{healthy.url("/feed"), {}, {}, {}, {}}),
                   [&](std::exception_ptr, FetchResult result) {
                     EXPECT_TRUE(result.success()) << result.error_message;
                     healthy_done = std::chrono::steady_clock::now() - start;
                   });
  });
  io.run();
  EXPECT_EQ(slow_done, 6);
  EXPECT_EQ(max_in_flight, 2u);
  ASSERT_TRUE(healthy_done.has_value());
  EXPECT_LT(*healthy_done, 700ms);
}

TEST_F(FetcherTest, ProxyOptionSendsEveryRequestThroughTheProxy) {
  // The test server plays the proxy: curl sends it the absolute URL and never
  // resolves the (unresolvable) feed host itself.
  server.route("http://feeds.invalid/feed", ScriptedResponse::ok(kFeed));
  options.proxy = server.url("");
  const FetchResult result = fetch("http://feeds.invalid/feed");
  ASSERT_TRUE(result.success()) << result.error_message;
  EXPECT_EQ(result.body, kFeed);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, "http://feeds.invalid/feed");
}

TEST_F(FetcherTest, HugeResponseHeaderIsABrokenTransfer) {
  server.route("/headers", ScriptedResponse::ok(kFeed).header("X-Junk", std::string(300'000, 'a')));
  const FetchResult result = fetch(server.url("/headers"));
  EXPECT_EQ(result.error, FetchError::kBrokenTransfer) << result.error_message;
}

TEST_F(FetcherTest, SlowSourceDoesNotDelayOtherFetches) {
  ScriptedResponse drip = ScriptedResponse::ok(kFeed);
  drip.behaviour = Behaviour::kDrip;
  drip.drip_interval = 50ms;
  server.route("/slow", drip);
  server.route("/feed", ScriptedResponse::ok(kFeed));
  options.limits.total_timeout = 1500ms;

  Fetcher fetcher{io, options, clock};
  const auto start = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::duration> slow_done;
  std::vector<std::chrono::steady_clock::duration> fast_done;
  asio::co_spawn(io, fetcher.fetch(FetchRequest{server.url("/slow"), {}, {}, {}, {}}),
                 [&](std::exception_ptr, FetchResult) { slow_done = std::chrono::steady_clock::now() - start; });
  for (int i = 0; i < 5; ++i) {
    asio::co_spawn(io, fetcher.fetch(FetchRequest{server.url("/feed"), {}, {}, {}, {}}),
                   [&](std::exception_ptr, FetchResult result) {
                     EXPECT_TRUE(result.success()) << result.error_message;
                     fast_done.push_back(std::chrono::steady_clock::now() - start);
                   });
  }
  io.run();
  ASSERT_TRUE(slow_done.has_value());
  ASSERT_EQ(fast_done.size(), 5u);
  EXPECT_GE(*slow_done, 1000ms);
  for (auto done : fast_done) EXPECT_LT(done, 1000ms);
}

TEST_F(FetcherTest, PerHostCapQueuesRequestsInsteadOfOpeningMore) {
  ScriptedResponse drip = ScriptedResponse::ok("abc");
  drip.behaviour = Behaviour::kDrip;
  drip.drip_interval = 100ms;
  server.route("/slow", drip);
  options.hosts.defaults.max_concurrent = 1;

  Fetcher fetcher{io, options, clock};
  std::size_t max_in_flight = 0;
  int done = 0;
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(io, fetcher.fetch(FetchRequest{server.url("/slow"), {}, {}, {}, {}}),
                   [&](std::exception_ptr, FetchResult result) {
                     EXPECT_TRUE(result.success()) << result.error_message;
                     ++done;
                   });
  }
  asio::steady_timer probe{io};
  std::function<void()> sample = [&] {
    max_in_flight = std::max(max_in_flight, fetcher.in_flight());
    if (done < 3) {
      probe.expires_after(20ms);
      probe.async_wait([&](boost::system::error_code) { sample(); });
    }
  };
  sample();
  io.run();
  EXPECT_EQ(done, 3);
  EXPECT_EQ(max_in_flight, 1u);
}

TEST_F(FetcherTest, PerHostTokenBucketSpacesRequests) {
  server.route("/feed", ScriptedResponse::ok(kFeed));
  options.hosts.defaults = HostLimits{8, 60, 1};  // one request per second, no burst

  Fetcher fetcher{io, options, clock};
  std::vector<FetchResult> results;
  for (int i = 0; i < 2; ++i)
    asio::co_spawn(io, fetcher.fetch(FetchRequest{server.url("/feed"), {}, {}, {}, {}}),
                   [&](std::exception_ptr, FetchResult result) { results.push_back(std::move(result)); });
  io.run();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].success());
  EXPECT_TRUE(results[1].success());
  EXPECT_LT(results[0].timings.queued, 100ms);
  EXPECT_GE(results[1].timings.queued, 500ms);  // waited for the next token (whole seconds on the wall clock)
}

TEST_F(FetcherTest, MalformedUrlIsAnError) {
  EXPECT_EQ(fetch("http://exa mple.org/").error, FetchError::kInvalidUrl);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(FetcherTest, CancelAllEndsRunningAndQueuedFetches) {
  ScriptedResponse silent;
  silent.behaviour = Behaviour::kNoAnswer;
  server.route("/silent", silent);
  options.hosts.defaults.max_concurrent = 1;
  options.limits.total_timeout = 10s;

  Fetcher fetcher{io, options, clock};
  std::vector<FetchError> errors;
  for (int i = 0; i < 2; ++i)
    asio::co_spawn(io, fetcher.fetch(FetchRequest{server.url("/silent"), {}, {}, {}, {}}),
                   [&](std::exception_ptr, FetchResult result) { errors.push_back(result.error); });
  asio::steady_timer stop{io};
  stop.expires_after(200ms);
  stop.async_wait([&](boost::system::error_code) { fetcher.cancel_all(); });
  const auto start = std::chrono::steady_clock::now();
  io.run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(errors, (std::vector<FetchError>{FetchError::kCancelled, FetchError::kCancelled}));
}

}  // namespace
}  // namespace fcd::fetch
