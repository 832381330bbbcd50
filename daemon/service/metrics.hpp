#pragma once
// A small Prometheus registry and the daemon's metric set.
//
// Updates (Counter::inc, Gauge::set/add, Histogram::observe) are lock-free
// atomics and may come from any thread: the network thread, the database
// threads, the CPU pool. Registry::expose() may run at any time on any thread
// and renders the text exposition format 0.0.4; it reads each value once, so a
// scrape racing with updates sees every value at some moment during the
// scrape (never torn, never a cumulative bucket below its predecessor).
//
// Registration (Registry::counter, ...) is start-up work: it takes a lock,
// throws std::invalid_argument on a bad or duplicate name, and returns a
// reference that stays valid as long as the registry. The registry owns every
// metric; it is neither copyable nor movable.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/types.hpp"

namespace fcd::service {

// A monotonically increasing count (events, bytes).
class Counter {
 public:
  void inc(std::uint64_t by = 1) noexcept { value_.fetch_add(by, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A value that goes up and down (queue depth, sources, leases).
class Gauge {
 public:
  void set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
  void add(double by) noexcept { value_.fetch_add(by, std::memory_order_relaxed); }
  void inc() noexcept { add(1.0); }
  void dec() noexcept { add(-1.0); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// A gauge read at scrape time from a callback (queue depths owned elsewhere).
// Until a callback is set the metric is exposed without a sample.
class CallbackGauge {
 public:
  // The callback runs on the scraping thread, under this gauge's lock, so it
  // must be cheap, thread-safe, and must neither call set_callback() nor
  // register metrics (both would deadlock). An empty
  // function removes the callback (do that before its captures die).
  void set_callback(std::function<double()> callback);
  // nullopt when no callback is set. Exceptions from the callback propagate.
  std::optional<double> value() const;

 private:
  mutable std::mutex mutex_;
  std::function<double()> callback_;
};

// A counter read at scrape time from a callback (CPU time the kernel counts):
// a CallbackGauge exposed with TYPE counter.
class CallbackCounter : public CallbackGauge {};

// Observations counted into fixed buckets, with their sum and count.
class Histogram {
 public:
  // bounds: finite, strictly increasing upper bounds ("le"); +Inf is implicit.
  // Throws std::invalid_argument otherwise.
  explicit Histogram(std::vector<double> bounds);

  // NaN is ignored: it would poison the sum forever.
  void observe(double value) noexcept;

  std::span<const double> bounds() const noexcept { return bounds_; }

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  // Per-bucket (non-cumulative) counts; the last one is the +Inf overflow.
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<double> sum_{0.0};
};

// Buckets for durations in seconds, from 5 ms to 5 min.
std::vector<double> latency_buckets();
// Buckets for the delay between an item's publication and our first sight of
// it, from 1 min to 7 days.
std::vector<double> lag_buckets();

// A counter or gauge with one label whose values are fixed at registration
// (polls by outcome). Indexing by position is lock-free; with() searches.
template <typename Metric>
class Labeled {
 public:
  Labeled(std::string label, std::vector<std::string> values)
      : label_(std::move(label)), values_(std::move(values)), metrics_(values_.size()) {}

  const std::string& label() const noexcept { return label_; }
  const std::vector<std::string>& values() const noexcept { return values_; }
  std::size_t size() const noexcept { return values_.size(); }

  // index < size(), in the order the values were registered.
  Metric& operator[](std::size_t index) noexcept { return metrics_[index]; }
  const Metric& operator[](std::size_t index) const noexcept { return metrics_[index]; }
  // Throws std::out_of_range for a value that was not registered.
  Metric& with(std::string_view value) {
    for (std::size_t i = 0; i < values_.size(); ++i)
      if (values_[i] == value) return metrics_[i];
    throw std::out_of_range("no label value " + label_ + "=\"" + std::string{value} + "\"");
  }

 private:
  std::string label_;
  std::vector<std::string> values_;
  std::vector<Metric> metrics_;  // sized once; never reallocated
};

using LabeledCounter = Labeled<Counter>;
using LabeledGauge = Labeled<Gauge>;

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // name: [a-zA-Z_:][a-zA-Z0-9_:]*, unique in the registry. help: one line
  // of text (escaped on output). label: [a-zA-Z_][a-zA-Z0-9_]*, not "le",
  // not starting with "__"; values: non-empty, distinct.
  Counter& counter(std::string name, std::string help);
  LabeledCounter& counter(std::string name, std::string help, std::string label, std::vector<std::string> values);
  Gauge& gauge(std::string name, std::string help);
  LabeledGauge& gauge(std::string name, std::string help, std::string label, std::vector<std::string> values);
  CallbackGauge& callback_gauge(std::string name, std::string help);
  CallbackCounter& callback_counter(std::string name, std::string help);
  Histogram& histogram(std::string name, std::string help, std::vector<double> bounds);

  // The text exposition format 0.0.4, families in registration order. A
  // callback gauge whose callback throws is exposed without a sample.
  std::string expose() const;

 private:
  struct Family;
  using Metric =
      std::variant<std::unique_ptr<Counter>, std::unique_ptr<LabeledCounter>, std::unique_ptr<Gauge>,
                   std::unique_ptr<LabeledGauge>, std::unique_ptr<CallbackGauge>, std::unique_ptr<Histogram>,
                   std::unique_ptr<CallbackCounter>>;
  Family& add(std::string name, std::string help, Metric metric);
  template <typename M, typename... Args>
  M& emplace(std::string name, std::string help, Args&&... args);

  mutable std::mutex mutex_;  // guards families_ (registration vs. scrape)
  std::vector<std::unique_ptr<Family>> families_;
};

// Prometheus text format helpers, exposed for tests.
// A sample value: integers as integers, "+Inf", "-Inf", "NaN", otherwise the
// shortest text that reads back as the same double.
std::string format_value(double value);
// Label values: backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view value);
// HELP text: backslash and newline escaped.
std::string escape_help(std::string_view text);

// How one poll ended; the "outcome" label of feedclusterd_polls_total.
enum class PollOutcome : std::size_t {
  kOk,            // 2xx, parsed
  kNotModified,   // 304 to a conditional GET
  kUnchanged,     // 2xx but the body hash matched the previous body
  kHttpError,     // any other non-2xx status (except 410 and 429)
  kNetworkError,  // no HTTP response: DNS, connect, TLS, timeout, broken transfer
  kParseError,    // the body did not parse as a feed
  kGone,          // 410: the source is disabled
  kThrottled,     // 429 or a host pause: we were asked to wait
};
inline constexpr std::size_t kPollOutcomeCount = 8;
std::string_view to_string(PollOutcome outcome);

// What ingest did with one parsed item; the "result" label of feedclusterd_items_total.
enum class ItemResult : std::size_t { kNew, kUpdated, kUnchanged };
inline constexpr std::size_t kItemResultCount = 3;
std::string_view to_string(ItemResult result);

// Why an enabled source's last poll failed; the "reason" label of
// feedclusterd_sources_failing (failing_reason() in service/source_gauges.hpp
// reads it from the stored fetch state).
enum class FailingReason : std::size_t {
  kNetwork,     // no usable response: DNS, connect, TLS, timeout, broken transfer, redirects, body too large
  kHttp4xx,     // the server answered 4xx (429 included)
  kHttp5xx,     // the server answered 5xx
  kHttpOther,   // any other non-2xx answer (1xx, an unfollowed 3xx)
  kParseError,  // 2xx, but the body was no feed or broke before its first item
};
inline constexpr std::size_t kFailingReasonCount = 5;
std::string_view to_string(FailingReason reason);

// The daemon's metric set, every name prefixed "feedclusterd_" except the
// standard process_* metrics. Constructed
// once at start-up and shared by reference with every thread that updates it;
// it owns its registry, which the HTTP server scrapes.
struct Metrics {
  // version: the build info label (core::kVersion); start: when the process
  // started, from the injected clock.
  Metrics(std::string_view version, core::TimePoint start);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  Counter& poll(PollOutcome outcome) noexcept { return polls[static_cast<std::size_t>(outcome)]; }
  Counter& item(ItemResult result) noexcept { return items[static_cast<std::size_t>(result)]; }
  Gauge& failing(FailingReason reason) noexcept { return sources_failing[static_cast<std::size_t>(reason)]; }

  Registry registry;

  // --- polling ---
  // feedclusterd_polls_total{outcome}: finished polls by outcome (PollOutcome).
  LabeledCounter& polls;
  // feedclusterd_poll_duration_seconds: from the first request to the last
  // byte of a poll, all redirects included (FetchTimings::total).
  Histogram& poll_duration;
  // feedclusterd_fetched_bytes_total: bytes on the wire, headers and
  // compressed bodies of every hop.
  Counter& fetched_bytes;
  // feedclusterd_conditional_get_hits_total: polls answered 304.
  Counter& conditional_get_hits;
  // feedclusterd_conditional_get_saved_bytes_total: an estimate of what 304s
  // saved: for each 304, the size of that source's last full body.
  Counter& conditional_get_saved_bytes;

  // --- parsing and ingest ---
  // feedclusterd_items_total{result}: parsed items by what ingest did with
  // them: new article, updated article, unchanged (ItemResult).
  LabeledCounter& items;
  // feedclusterd_identity_drifts_total: items whose guid changed while their
  // canonical link stayed (matched as the same item, not inserted twice).
  Counter& identity_drifts;
  // feedclusterd_parse_errors_total: documents the parser reported errors
  // for, whether it recovered items from them or not.
  Counter& parse_errors;
  // feedclusterd_ingest_latency_seconds: from the end of a fetch to the
  // commit of its items and source state.
  Histogram& ingest_latency;
  // feedclusterd_publish_to_seen_lag_seconds: from an item's published date
  // to the fetch that first saw it; items without a date or dated in the
  // future are not observed.
  Histogram& publish_to_seen_lag;

  // --- queues (callbacks set by their owners) ---
  // feedclusterd_fetch_queue_depth: due sources waiting for a fetch slot.
  CallbackGauge& fetch_queue_depth;
  // feedclusterd_ingest_queue_depth: fetched feeds waiting to be parsed or
  // committed.
  CallbackGauge& ingest_queue_depth;
  // feedclusterd_clustering_backlog: committed articles waiting for the
  // clusterer (new, or their text changed), as the database counts them.
  CallbackGauge& clustering_backlog;

  // --- clustering ---
  // feedclusterd_clustering_latency_seconds: from an article's commit to the
  // commit of its clustering decision.
  Histogram& clustering_latency;
  // feedclusterd_articles_clustered_total: articles the clusterer placed
  // (as a duplicate or into a story).
  Counter& articles_clustered;
  // feedclusterd_articles_set_aside_total: articles the clusterer could not
  // place (the engine failed on them or their write did), set aside with the
  // reason in cluster_set_aside; they do not hold back the others.
  Counter& articles_set_aside;
  // feedclusterd_clustering_set_aside: articles set aside now (the
  // unplaced_articles view lists them with the reason).
  Gauge& clustering_set_aside;
  // feedclusterd_stories_created_total: stories founded.
  Counter& stories_created;
  // feedclusterd_stories_merged_total: stories merged into another one.
  Counter& stories_merged;
  // feedclusterd_clustering_window_articles: articles in the clusterer's
  // window (cluster.window of article time, behind the newest article). The
  // engine's memory grows with them while the window fills, then holds.
  Gauge& clustering_window_articles;
  // feedclusterd_clustering_window_stories: stories with a member in the window.
  Gauge& clustering_window_stories;
  // feedclusterd_clustering_state_bytes: the engine's estimate of the heap it
  // holds for the window (cluster::Stats::state_bytes).
  Gauge& clustering_state_bytes;

  // --- database and sources ---
  // feedclusterd_database_errors_total: failed database operations
  // (connection lost, statement failed), retried or not.
  Counter& database_errors;
  // feedclusterd_leases_held: source leases this instance holds now.
  Gauge& leases_held;
  // feedclusterd_database_up: 1 when the last database round trip of the
  // gauge refresh or of a claim succeeded, 0 when it failed.
  Gauge& database_up;
  // The gauges below, to feedclusterd_sources_leased, are set from the
  // database (set_source_gauges) at start-up, after a reload's sync and with
  // each per-minute summary; they keep their last value while it is down.
  // feedclusterd_sources: sources stored, enabled or not.
  Gauge& sources_total;
  // feedclusterd_sources_enabled: sources stored and enabled (polled).
  Gauge& sources_enabled;
  // feedclusterd_sources_failing{reason}: enabled sources whose last poll
  // failed, by why (FailingReason).
  LabeledGauge& sources_failing;
  // feedclusterd_sources_due: enabled sources due now that no live instance holds.
  Gauge& sources_due;
  // feedclusterd_sources_leased: sources leased now by any live instance.
  Gauge& sources_leased;

  // --- clusterer and configuration ---
  // feedclusterd_clusterer_owner: 1 while this instance holds the clusterer lock.
  Gauge& clusterer_owner;
  // feedclusterd_config_last_reload_successful: 0 after a rejected reload
  // (the running configuration stays), 1 after start-up or a taken one.
  Gauge& config_last_reload_successful;
  // feedclusterd_config_last_reload_success_timestamp_seconds: Unix time of
  // the start-up or the last reload that was taken.
  Gauge& config_last_reload_success_time;

  // --- process ---
  // feedclusterd_build_info{version}: always 1; the label carries the version.
  LabeledGauge& build_info;
  // feedclusterd_process_start_time_seconds: Unix time the process started,
  // from the injected clock.
  Gauge& process_start_time;
  // The standard process metrics, as Prometheus client libraries name them,
  // read from /proc/self at scrape time (service/process_stats.hpp);
  // without a sample where /proc cannot be read.
  CallbackGauge& process_resident_memory;  // process_resident_memory_bytes
  CallbackGauge& process_virtual_memory;   // process_virtual_memory_bytes
  CallbackCounter& process_cpu_seconds;    // process_cpu_seconds_total: user + system
  CallbackGauge& process_open_fds;         // process_open_fds
  CallbackGauge& process_max_fds;          // process_max_fds: the soft RLIMIT_NOFILE
  CallbackGauge& process_start_time_kernel;  // process_start_time_seconds, as the kernel counts it
};

// The one-line summary for systemd's STATUS= and the per-minute info log:
// "120 sources (118 enabled, 3 failing, 5 due), 45.0 polls/min, 1.5 errors/min, 31 stories founded, 2 merged",
// the sources as the gauges hold them (set from the database).
// Rates are over the time since the previous line() (or construction).
// Errors are polls that ended in http_error, network_error or parse_error,
// plus database errors. Not thread-safe: one caller (the run loop).
class StatusSummary {
 public:
  // metrics and clock must outlive the summary.
  StatusSummary(const Metrics& metrics, const core::WallClock& clock);
  std::string line();

 private:
  std::uint64_t polls() const;
  std::uint64_t errors() const;

  const Metrics& metrics_;
  const core::WallClock& clock_;
  core::TimePoint last_;
  std::uint64_t last_polls_;
  std::uint64_t last_errors_;
};

}  // namespace fcd::service
