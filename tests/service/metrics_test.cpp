#include "service/metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace fcd::service {
namespace {

using ::testing::HasSubstr;

TEST(MetricsFormat, ValuesPrintAsPrometheusReadsThem) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(42), "42");
  EXPECT_EQ(format_value(-3), "-3");
  EXPECT_EQ(format_value(1500000), "1500000");
  EXPECT_EQ(format_value(0.005), "0.005");
  EXPECT_EQ(format_value(2.5), "2.5");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
  EXPECT_EQ(format_value(1e300), "1e+300");
}

TEST(MetricsFormat, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(escape_help("a\\b\"c\nd"), "a\\\\b\"c\\nd");
}

TEST(Registry, ExposesGoldenText) {
  Registry registry;
  Counter& requests = registry.counter("app_requests_total", "Requests \\ served.");
  LabeledCounter& outcomes = registry.counter("app_outcomes_total", "Outcomes.", "outcome", {"ok", "say \"hi\"\n"});
  Gauge& depth = registry.gauge("app_depth", "Queue depth.");
  CallbackGauge& computed = registry.callback_gauge("app_computed", "Computed at scrape time.");
  CallbackGauge& unset = registry.callback_gauge("app_unset", "No callback yet.");
  Histogram& latency = registry.histogram("app_latency_seconds", "Latency.", {0.1, 1, 2.5});
  (void)unset;

  requests.inc();
  requests.inc(41);
  outcomes[0].inc(3);
  outcomes.with("say \"hi\"\n").inc();
  depth.set(7);
  depth.dec();
  depth.add(0.5);
  computed.set_callback([] { return 12.0; });
  latency.observe(0.05);
  latency.observe(0.1);  // equal to a bound: counted in that bucket
  latency.observe(2);
  latency.observe(100);
  latency.observe(std::nan(""));  // ignored

  EXPECT_EQ(registry.expose(),
            "# HELP app_requests_total Requests \\\\ served.\n"
            "# TYPE app_requests_total counter\n"
            "app_requests_total 42\n"
            "# HELP app_outcomes_total Outcomes.\n"
            "# TYPE app_outcomes_total counter\n"
            "app_outcomes_total{outcome=\"ok\"} 3\n"
            "app_outcomes_total{outcome=\"say \\\"hi\\\"\\n\"} 1\n"
            "# HELP app_depth Queue depth.\n"
            "# TYPE app_depth gauge\n"
            "app_depth 6.5\n"
            "# HELP app_computed Computed at scrape time.\n"
            "# TYPE app_computed gauge\n"
            "app_computed 12\n"
            "# HELP app_unset No callback yet.\n"
            "# TYPE app_unset gauge\n"
            "# HELP app_latency_seconds Latency.\n"
            "# TYPE app_latency_seconds histogram\n"
            "app_latency_seconds_bucket{le=\"0.1\"} 2\n"
            "app_latency_seconds_bucket{le=\"1\"} 2\n"
            "app_latency_seconds_bucket{le=\"2.5\"} 3\n"
            "app_latency_seconds_bucket{le=\"+Inf\"} 4\n"
            "app_latency_seconds_sum 102.15\n"
            "app_latency_seconds_count 4\n");
}

TEST(Registry, CallbackThatThrowsLeavesItsSampleOut) {
  Registry registry;
  registry.callback_gauge("app_broken", "Throws.").set_callback([]() -> double { throw std::runtime_error("no"); });
  registry.gauge("app_fine", "Fine.").set(1);
  const std::string text = registry.expose();
  EXPECT_THAT(text, HasSubstr("# TYPE app_broken gauge\n# HELP app_fine"));
  EXPECT_THAT(text, HasSubstr("app_fine 1\n"));
}

TEST(Registry, RefusesBadAndClashingNames) {
  Registry registry;
  registry.histogram("app_latency", "Latency.", {1});
  EXPECT_THROW(registry.counter("app_latency", "Twice."), std::invalid_argument);
  EXPECT_THROW(registry.counter("app_latency_count", "Clashes with the histogram."), std::invalid_argument);
  EXPECT_THROW(registry.counter("9lives", "Starts with a digit."), std::invalid_argument);
  EXPECT_THROW(registry.counter("app-dash", "Dash."), std::invalid_argument);
  EXPECT_THROW(registry.counter("app_x", "Two\nlines."), std::invalid_argument);
  EXPECT_THROW(registry.counter("app_y", "Reserved label.", "le", {"1"}), std::invalid_argument);
  EXPECT_THROW(registry.counter("app_z", "Reserved label.", "__x", {"1"}), std::invalid_argument);
  EXPECT_THROW(registry.gauge("app_w", "Repeated value.", "kind", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("app_h", "Unordered.", {2, 1}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("app_i", "Infinite.", {1, std::numeric_limits<double>::infinity()}),
               std::invalid_argument);
  registry.counter("app:ok_total", "Colons are allowed in metric names.");
  EXPECT_THROW(registry.counter("app_v", "Labelled.", "kind", {"a"}).with("b"), std::out_of_range);
}

TEST(Registry, ConcurrentUpdatesAreAllCountedAndScrapesStayConsistent) {
  Registry registry;
  Counter& counter = registry.counter("app_events_total", "Events.");
  Gauge& gauge = registry.gauge("app_level", "Level.");
  Histogram& histogram = registry.histogram("app_seconds", "Seconds.", {0.5, 1.5, 2.5});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;

  std::atomic<bool> done{false};
  // A scraper running throughout: cumulative buckets never decrease along a
  // scrape, and +Inf equals _count in every scrape.
  std::thread scraper([&] {
    while (!done.load()) {
      const Histogram::Snapshot snapshot = histogram.snapshot();
      for (std::size_t i = 1; i < snapshot.cumulative.size(); ++i)
        ASSERT_LE(snapshot.cumulative[i - 1], snapshot.cumulative[i]);
      ASSERT_EQ(snapshot.cumulative.back(), snapshot.count);
      (void)registry.expose();
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        counter.inc();
        gauge.inc();
        histogram.observe(double(t));  // thread t always lands in bucket t
      }
    });
  }
  for (auto& writer : writers) writer.join();
  done = true;
  scraper.join();

  EXPECT_EQ(counter.value(), std::uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(gauge.value(), double(kThreads * kPerThread));
  const Histogram::Snapshot snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{20000, 40000, 60000, 80000}));
  EXPECT_EQ(snapshot.sum, double(kPerThread) * (0 + 1 + 2 + 3));
}

TEST(Metrics, DeclaresTheDaemonsMetricSet) {
  const core::TimePoint start{std::chrono::seconds{1'700'000'000}};
  Metrics metrics("1.2.3", start);
  metrics.poll(PollOutcome::kNotModified).inc();
  metrics.poll(PollOutcome::kThrottled).inc(2);
  metrics.item(ItemResult::kUpdated).inc(5);
  metrics.poll_duration.observe(0.2);
  metrics.ingest_queue_depth.set_callback([] { return 3.0; });
  metrics.sources_total.set(10);
  metrics.sources_enabled.set(8);
  metrics.failing(FailingReason::kHttp4xx).set(2);
  metrics.sources_due.set(3);
  metrics.sources_leased.set(4);
  metrics.database_up.set(1);
  metrics.clusterer_owner.set(1);

  const std::string text = metrics.registry.expose();
  for (const std::string_view line : {
           "feedclusterd_polls_total{outcome=\"ok\"} 0\n",
           "feedclusterd_polls_total{outcome=\"not_modified\"} 1\n",
           "feedclusterd_polls_total{outcome=\"unchanged\"} 0\n",
           "feedclusterd_polls_total{outcome=\"http_error\"} 0\n",
           "feedclusterd_polls_total{outcome=\"network_error\"} 0\n",
           "feedclusterd_polls_total{outcome=\"parse_error\"} 0\n",
           "feedclusterd_polls_total{outcome=\"gone\"} 0\n",
           "feedclusterd_polls_total{outcome=\"throttled\"} 2\n",
           "feedclusterd_items_total{result=\"updated\"} 5\n",
           "feedclusterd_poll_duration_seconds_bucket{le=\"0.25\"} 1\n",
           "feedclusterd_poll_duration_seconds_count 1\n",
           "feedclusterd_ingest_queue_depth 3\n",
           "# TYPE feedclusterd_fetch_queue_depth gauge\n",
           "# TYPE feedclusterd_clustering_backlog gauge\n",
           "feedclusterd_ingest_latency_seconds_count 0\n",
           "feedclusterd_clustering_latency_seconds_count 0\n",
           "feedclusterd_publish_to_seen_lag_seconds_bucket{le=\"604800\"} 0\n",
           "feedclusterd_fetched_bytes_total 0\n",
           "feedclusterd_conditional_get_hits_total 0\n",
           "feedclusterd_conditional_get_saved_bytes_total 0\n",
           "feedclusterd_identity_drifts_total 0\n",
           "feedclusterd_parse_errors_total 0\n",
           "feedclusterd_articles_clustered_total 0\n",
           "feedclusterd_articles_set_aside_total 0\n",
           "feedclusterd_clustering_set_aside 0\n",
           "feedclusterd_stories_created_total 0\n",
           "feedclusterd_stories_merged_total 0\n",
           "feedclusterd_clustering_window_articles 0\n",
           "feedclusterd_clustering_window_stories 0\n",
           "feedclusterd_clustering_state_bytes 0\n",
           "feedclusterd_database_errors_total 0\n",
           "feedclusterd_leases_held 0\n",
           "feedclusterd_sources 10\n",
           "feedclusterd_sources_enabled 8\n",
           "feedclusterd_sources_failing{reason=\"network\"} 0\n",
           "feedclusterd_sources_failing{reason=\"http_4xx\"} 2\n",
           "feedclusterd_sources_failing{reason=\"http_5xx\"} 0\n",
           "feedclusterd_sources_failing{reason=\"http_other\"} 0\n",
           "feedclusterd_sources_failing{reason=\"parse_error\"} 0\n",
           "feedclusterd_sources_due 3\n",
           "feedclusterd_sources_leased 4\n",
           "feedclusterd_database_up 1\n",
           "feedclusterd_clusterer_owner 1\n",
           "feedclusterd_config_last_reload_successful 1\n",
           "feedclusterd_config_last_reload_success_timestamp_seconds 1700000000\n",
           "# TYPE process_cpu_seconds_total counter\n",
           "# TYPE process_resident_memory_bytes gauge\n",
           "# TYPE process_max_fds gauge\n",
           "feedclusterd_build_info{version=\"1.2.3\"} 1\n",
           "feedclusterd_process_start_time_seconds 1700000000\n",
       })
    EXPECT_THAT(text, HasSubstr(std::string{line}));

  // /proc/self of this test process: samples with positive values.
  for (const std::string name : {"process_resident_memory_bytes ", "process_virtual_memory_bytes ",
                                 "process_open_fds ", "process_max_fds ", "process_start_time_seconds "}) {
    const auto at = text.find("\n" + name);
    ASSERT_NE(at, std::string::npos) << name;
    EXPECT_GT(std::stod(text.substr(at + 1 + name.size())), 0) << name;
  }
  EXPECT_THAT(text, HasSubstr("\nprocess_cpu_seconds_total "));

  // Every family has HELP and TYPE, and every sample line is named
  // feedclusterd_* or is a standard process_* metric.
  std::istringstream lines{text};
  std::string line;
  int families = 0;
  while (std::getline(lines, line)) {
    if (line.starts_with("# TYPE ")) ++families;
    if (!line.starts_with("#")) {
      EXPECT_TRUE(line.starts_with("feedclusterd_") || line.starts_with("process_")) << line;
    }
  }
  EXPECT_EQ(families, 41);
}

TEST(StatusSummary, RatesAreOverTheTimeSinceThePreviousLine) {
  core::ManualWallClock clock{core::TimePoint{std::chrono::seconds{1'700'000'000}}};
  Metrics metrics("1.2.3", clock.now());
  metrics.poll(PollOutcome::kOk).inc(1000);  // before the summary: not counted
  StatusSummary summary{metrics, clock};
  metrics.sources_total.set(12);
  metrics.sources_enabled.set(10);
  metrics.failing(FailingReason::kNetwork).set(2);
  metrics.failing(FailingReason::kParseError).set(1);
  metrics.sources_due.set(4);
  metrics.poll(PollOutcome::kOk).inc(80);
  metrics.poll(PollOutcome::kNetworkError).inc(6);
  metrics.poll(PollOutcome::kNotModified).inc(4);
  metrics.database_errors.inc(3);
  metrics.stories_created.inc(7);
  metrics.stories_merged.inc(1);
  clock.advance(std::chrono::seconds{120});
  EXPECT_EQ(summary.line(),
            "12 sources (10 enabled, 3 failing, 4 due), 45.0 polls/min, 4.5 errors/min, 7 stories founded, 1 merged");
  clock.advance(std::chrono::seconds{60});
  metrics.poll(PollOutcome::kParseError).inc();
  EXPECT_EQ(summary.line(),
            "12 sources (10 enabled, 3 failing, 4 due), 1.0 polls/min, 1.0 errors/min, 7 stories founded, 1 merged");
  // Twice in the same second: rates over one second, no division by zero.
  metrics.poll(PollOutcome::kOk).inc();
  EXPECT_EQ(summary.line(),
            "12 sources (10 enabled, 3 failing, 4 due), 60.0 polls/min, 0.0 errors/min, 7 stories founded, 1 merged");
}

}  // namespace
}  // namespace fcd::service
