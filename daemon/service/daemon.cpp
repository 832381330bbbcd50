#include "service/daemon.hpp"

#include <csignal>
#include <iostream>
#include <random>

#include "asio/asio.hpp"
#include "cluster/options.hpp"
#include "core/clock.hpp"
#include "core/time.hpp"
#include "feed/feed.hpp"
#include "fetch/fetcher.hpp"
#include "fetch/policy.hpp"
#include "fetch/url.hpp"
#include "log/log.hpp"
#include "service/clusterer.hpp"
#include "core/version.hpp"
#include "service/db_pool.hpp"
#include "service/http_server.hpp"
#include "service/metrics.hpp"
#include "service/systemd_notify.hpp"
#include "service/mapping.hpp"

namespace fcd::service {

namespace {

using namespace std::chrono_literals;

fetch::FetcherOptions fetcher_options(const config::Config& config) {
  fetch::FetcherOptions options;
  const auto& f = config.fetch;
  options.limits.connect_timeout = f.connect_timeout;
  options.limits.total_timeout = f.total_timeout;
  options.limits.low_speed_bytes = f.low_speed_limit_bytes;
  options.limits.low_speed_time = f.low_speed_time;
  options.limits.max_body_bytes = static_cast<std::size_t>(f.max_body_bytes);
  options.limits.max_redirects = f.max_redirects;
  options.max_concurrent = static_cast<std::size_t>(f.max_concurrent);
  options.hosts.defaults.max_concurrent = static_cast<std::size_t>(f.max_per_host);
  options.max_per_address = static_cast<std::size_t>(f.max_per_address);
  options.hosts.defaults.requests_per_minute = f.requests_per_minute_per_host;
  for (const auto& [host, per_minute] : f.host_requests_per_minute) {
    auto limits = options.hosts.defaults;
    limits.requests_per_minute = per_minute;
    options.hosts.overrides[host] = limits;
  }
  options.user_agent = f.user_agent;
  options.proxy = f.proxy;
  options.ca_bundle = f.ca_bundle;
  options.block_private_addresses = f.block_private_addresses;
  return options;
}

fetch::PollPolicy poll_policy(const config::Config& config) {
  fetch::PollPolicy policy;
  policy.backoff.cap = config.polling.error_backoff_max;
  policy.redirect_grace = config.fetch.permanent_redirect_grace;
  return policy;
}

feed::ParseLimits parse_limits(const config::Config& config) {
  feed::ParseLimits limits;
  limits.max_document_bytes = static_cast<std::size_t>(config.parse.max_document_bytes);
  limits.max_entries = static_cast<std::size_t>(config.parse.max_items);
  limits.max_field_bytes = static_cast<std::size_t>(config.parse.max_field_bytes);
  return limits;
}

std::string instance_id(const config::Config& config) {
  return config.service.instance_id.empty() ? store::default_instance_id() : config.service.instance_id;
}

}  // namespace

class Daemon::Impl {
 public:
  Impl(config::Config config, std::string config_path)
      : config_(std::move(config)),
        config_path_(std::move(config_path)),
        log_(log::get("service")),
        cpu_(static_cast<std::size_t>(config_.service.worker_threads)),
        store_options_{.url = config_.database.url, .instance_id = instance_id(config_)},
        db_(store_options_, static_cast<std::size_t>(config_.database.pool_size)),
        fetcher_(io_, fetcher_options(config_), clock_),
        signals_(io_, SIGINT, SIGTERM, SIGHUP),
        wake_(io_),
        cluster_wake_(io_),
        shutdown_deadline_(io_),
        summary_timer_(io_),
        watchdog_timer_(io_),
        retention_timer_(io_),
        rng_(std::random_device{}()),
        metrics_(core::kVersion, clock_.now()),
        status_(metrics_, clock_),
        progress_(clock_, ProgressLimits{}) {
    metrics_.fetch_queue_depth.set_callback([this] { return static_cast<double>(fetcher_.queued()); });
    metrics_.ingest_queue_depth.set_callback([this] { return static_cast<double>(commits_pending_); });
    metrics_.clustering_backlog.set_callback([this] { return static_cast<double>(cluster_backlog_); });
  }

  int run(const RunOptions& options) {
    options_ = options;
    prepare_database();
    log_->info("instance {} starting: {} source(s) in config, polling {}", store_options_.instance_id,
               config_.sources.size(), options_.once ? "once" : "continuously");
    arm_signals();
    if (!options_.once && !config_.http.listen.empty()) {
      http_ = std::make_unique<HttpServer>(io_, config_.http.listen, metrics_.registry, [this] { return health(); });
      log_->info("metrics and health on http://{}/metrics and /healthz", config_.http.listen);
    }
    asio::co_spawn(io_, main_loop(), [this](std::exception_ptr error) { finish(error); });
    notifier_.ready(status_.line());
    io_.run();
    cpu_.join();
    cluster_thread_.join();
    db_.stop();
    release_abandoned_leases();
    return exit_code_;
  }

 private:
  // Polls abandoned at shutdown committed nothing; their sources go back to
  // the pool now instead of when the lease expires.
  void release_abandoned_leases() {
    try {
      store::Store db(store_options_);
      if (const int released = db.release_leases(); released > 0)
        log_->info("released {} lease(s) of abandoned polls", released);
    } catch (const store::StoreError& e) {
      log_->warn("could not release leases ({}); they expire by themselves", e.what());
    }
  }

  // ---- start-up ----------------------------------------------------------
  void prepare_database() {
    store::Store db(store_options_);
    if (config_.database.auto_migrate) {
      const auto report = db.migrate();
      for (const auto& migration : report.applied) log_->info("applied migration {}", migration.name);
    } else {
      db.require_current_schema();
    }
    log_sync(db.sync_config_sources(source_specs_from_config(config_.sources)));
    if (options_.all_sources) log_->info("{} enabled source(s) made due", db.make_due(std::nullopt, clock_.now()));
  }

  void log_sync(const store::SyncCounts& counts) {
    log_->info("config sources synced: {} added, {} updated, {} disabled, {} re-enabled, {} unchanged{}", counts.added,
               counts.updated, counts.disabled, counts.reenabled, counts.unchanged,
               counts.skipped ? fmt::format(", {} skipped (added by OPML or CLI)", counts.skipped) : "");
  }

  // ---- the loops ---------------------------------------------------------
  asio::awaitable<void> main_loop() {
    if (!options_.once) {
      asio::co_spawn(io_, summary_loop(), asio::detached);
      if (notifier_.watchdog_interval()) asio::co_spawn(io_, watchdog_loop(), asio::detached);
      asio::co_spawn(io_, retention_loop(), asio::detached);
      if (config_.cluster.enabled) asio::co_spawn(io_, cluster_loop(), asio::detached);
    }
    // --once clusters while it polls, as the daemon does, then catches up.
    if (options_.once && config_.cluster.enabled) {
      clustering_along_ = true;
      asio::co_spawn(io_, cluster_catch_up(), [this](std::exception_ptr error) {
        clustering_along_ = false;
        wake_.cancel();
        if (!error) return;
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          log_->critical("clusterer failed: {}", e.what());
        }
        exit_code_ = core::kExitRuntimeFailure;
      });
    }
    co_await schedule_loop();
    while (in_flight_ > 0) co_await sleep(wake_, 1s);
    polling_done_ = true;
    cluster_wake_.cancel();
    while (clustering_along_) co_await sleep(wake_, 1s);
  }

  // poll-once --source: that one source, due or not.
  asio::awaitable<void> poll_only(std::string url) {
    const auto now = clock_.now();
    const auto lease = config_.polling.lease_duration;
    auto claimed = co_await db_.run([&url, now, lease](store::Store& db) { return db.claim_source(url, now, lease); });
    if (!claimed) {
      log_->error("source {}: not polled: unknown, disabled, or leased by another instance", url);
      exit_code_ = core::kExitRuntimeFailure;
      co_return;
    }
    ++in_flight_;
    co_await poll_source(std::move(*claimed));
  }

  asio::awaitable<void> schedule_loop() {
    if (options_.only_source) {
      co_await poll_only(*options_.only_source);
      co_return;
    }
    const auto limit = static_cast<std::size_t>(config_.polling.claim_batch);
    const auto capacity = static_cast<std::size_t>(config_.fetch.max_concurrent) * 2;
    int database_failures = 0;
    while (!stopping_) {
      std::size_t claimed_count = 0;
      if (in_flight_ < capacity) {
        const auto now = clock_.now();
        const auto lease = config_.polling.lease_duration;
        const auto want = std::min(limit, capacity - in_flight_);
        std::optional<std::chrono::milliseconds> retry_after;
        try {
          auto claimed = co_await db_.run(
              [now, lease, want](store::Store& db) { return db.claim_due_sources(now, lease, want); });
          if (database_failures > 0) log_->info("database reachable again; scheduling resumes");
          database_failures = 0;
          database_ok_ = true;
          claimed_count = claimed.size();
          progress_.polls_due(!claimed.empty());
          for (auto& source : claimed) {
            ++in_flight_;
            progress_.poll_started();
            asio::co_spawn(io_, poll_source(std::move(source)), asio::detached);
          }
        } catch (const store::StoreError& e) {
          retry_after = store::next_backoff(database_failures);
          database_ok_ = false;
          database_error_ = e.what();
          metrics_.database_errors.inc();
          if (database_failures++ == 0)
            log_->error("cannot claim sources: {}; retrying with backoff, no new polls until the database answers",
                        e.what());
        }
        if (retry_after) {
          co_await sleep(wake_, *retry_after);
          continue;
        }
      }
      progress_.loop_turned();
      metrics_.leases_held.set(static_cast<double>(in_flight_));
      if (options_.once && claimed_count == 0 && in_flight_ == 0) break;
      if (claimed_count == limit) continue;  // more may be due right now
      co_await sleep(wake_, options_.once ? 200ms : 1s);
    }
  }

  asio::awaitable<void> poll_source(store::ClaimedSource source) {
    try {
      co_await poll(source);
    } catch (const store::LeaseLostError& e) {
      log_->warn("source {}: lease lost before commit ({}); another instance polls it now", source.url, e.what());
    } catch (const store::StoreError& e) {
      metrics_.database_errors.inc();
      log_->error("source {}: could not store the poll: {}; it is polled again when its lease expires", source.url,
                  e.what());
    } catch (const std::exception& e) {
      log_->error("source {}: poll failed: {}; it is polled again when its lease expires", source.url, e.what());
    }
    --in_flight_;
    wake_.cancel();
  }

  asio::awaitable<void> poll(const store::ClaimedSource& source) {
    const auto host = host_of(source.url);
    if (const auto paused = host_pauses_.paused_until(host, clock_.now())) {
      co_await defer(source, *paused);
      co_return;
    }
    const auto result = co_await fetcher_.fetch(fetch_request(source));
    const auto now = clock_.now();
    time_spent_.queued += result.timings.queued;
    time_spent_.fetch += result.timings.total;
    const auto policy = poll_policy(config_);
    auto decision =
        fetch::decide_poll(result, poll_state(source, config_.polling.default_interval), now, policy, jitter());
    note_rate_limit(source, host, result, decision, now);

    // kUnchanged (same body hash) and kNotModified skip parsing: the commit
    // below then stores nothing but the fetch state.
    std::vector<store::ArticleInput> items;
    ParseStep parsed;
    const feed::ParsedFeed* parsed_feed = nullptr;  // set when the body was read as a feed
    if (decision.action == fetch::PollAction::kParse) {
      parsed = co_await parse(result);
      time_spent_.parse += parsed.duration;
      // A feed whose document broke before its first item (an entity bomb
      // stopped by libxml2, a truncated file) yielded nothing: an error to
      // record and back off from, not an empty feed.
      const bool broken_empty = parsed.feed.is_feed && parsed.feed.bozo && parsed.feed.entries.empty();
      if (!parsed.feed.is_feed || broken_empty) {
        decision.error_count = source.error_count + 1;
        decision.error = broken_empty ? "feed broken before its first item: " + parsed.feed.bozo_message
                                      : std::move(parsed.not_a_feed);
        decision.next_poll_at = now + fetch::backoff_delay(decision.error_count, policy.backoff, jitter());
      } else {
        parsed_feed = &parsed.feed;
        items = articles_from_feed(parsed.feed);
        decision.next_poll_at = now + next_interval(source, parsed.feed, result, now);
        if (parsed.feed.bozo) metrics_.parse_errors.inc();
      }
    }
    const auto outcome = fetch_outcome(result, decision, parsed_feed);
    count_poll(result, decision, decision.action == fetch::PollAction::kParse && parsed_feed == nullptr);

    progress_.ingest_queued(++commits_pending_);
    const auto commit_started = std::chrono::steady_clock::now();
    struct PendingCommit {
      Impl& self;
      ~PendingCommit() { self.progress_.ingest_drained(--self.commits_pending_); }
    } pending_commit{*this};
    const auto report = co_await db_.run(
        [&source, &items, &outcome, now](store::Store& db) { return db.commit_poll(source.id, items, outcome, now); });
    const auto commit_took = std::chrono::steady_clock::now() - commit_started;
    time_spent_.store += commit_took;
    metrics_.ingest_latency.observe(std::chrono::duration<double>(commit_took).count());
    record(source, result, decision, report);
    if (outcome.new_url)
      log_->info("source {}: permanent redirect to {} held for {}; the source moves there (old URL kept in its "
                 "history)",
                 source.url, *outcome.new_url, core::format_duration(policy.redirect_grace));
    for (const auto& item : items)
      if (item.published_at && *item.published_at <= now)
        metrics_.publish_to_seen_lag.observe(static_cast<double>((now - *item.published_at).count()));
  }

  // A 429, or a 503 with a usable Retry-After, counts towards pausing the
  // source's whole host; the pause starts when several of its sources agree
  // (HostPauseTracker), so one bad route does not stall the host's other feeds.
  void note_rate_limit(const store::ClaimedSource& source, const std::string& host, const fetch::FetchResult& result,
                       const fetch::PollDecision& decision, core::TimePoint now) {
    if (host.empty()) return;
    if (result.success() || result.not_modified()) {
      host_pauses_.record_success(host, source.id);
      return;
    }
    const bool limited = decision.action == fetch::PollAction::kRateLimited ||
                         (result.ok() && result.status == 503 && fetch::parse_retry_after(result.retry_after, now));
    if (!limited) return;
    const auto before = host_pauses_.paused_until(host, now);
    const auto until = host_pauses_.record_rate_limited(host, source.id, now, decision.next_poll_at);
    if (until && until != before)
      log_->warn("source {}: host {} rate limits several of its sources; none of them is polled until {}", source.url,
                 host, core::format_rfc3339(*until));
  }

  // A source of a paused host goes back unpolled, due when the pause ends.
  asio::awaitable<void> defer(const store::ClaimedSource& source, core::TimePoint until) {
    if (!co_await db_.run([&source, until](store::Store& db) { return db.defer_poll(source.id, until); })) {
      log_->warn("source {}: lease lost before it could be deferred; whoever holds it now polls it", source.url);
      co_return;
    }
    log_->debug("source {}: its host is paused; not polled until {}", source.url, core::format_rfc3339(until));
    if (options_.print_polls)
      std::cout << source.url << ": - deferred, host paused until " << core::format_rfc3339(until) << std::endl;
  }

  static std::string host_of(const std::string& url) {
    auto parts = fetch::split_url(url);
    return parts ? std::move(parts->host) : std::string{};
  }

  struct ParseStep {
    feed::ParsedFeed feed;
    std::string not_a_feed;  // last_error when feed.is_feed is false
    std::chrono::steady_clock::duration duration{};
  };

  // Parses on the CPU pool; what a non-feed is (and the feeds an HTML page
  // links) is worked out there too, off the network thread.
  asio::awaitable<ParseStep> parse(const fetch::FetchResult& result) {
    feed::ParseOptions options;
    options.base_url = result.final_url;
    options.content_type = result.content_type;
    options.now = clock_.now();
    options.limits = parse_limits(config_);
    co_return co_await asio::co_spawn(
        cpu_,
        [&result, &options]() -> asio::awaitable<ParseStep> {
          const auto started = std::chrono::steady_clock::now();
          ParseStep step{feed::parse_feed(result.body, options), {}, {}};
          if (!step.feed.is_feed) step.not_a_feed = not_a_feed_error(result, step.feed);
          step.duration = std::chrono::steady_clock::now() - started;
          co_return step;
        },
        asio::use_awaitable);
  }

  core::Duration next_interval(const store::ClaimedSource& source, const feed::ParsedFeed& parsed,
                               const fetch::FetchResult& result, core::TimePoint now) {
    if (source.interval) return *source.interval;
    std::vector<core::TimePoint> times;
    for (const auto& entry : parsed.entries)
      if (entry.published) times.push_back(*entry.published);
    fetch::FeedHints hints;
    hints.ttl = parsed.update_interval;
    if (result.max_age) hints.max_age = core::Duration{result.max_age->count()};
    fetch::IntervalOptions options;
    options.min = config_.polling.min_interval;
    options.max = config_.polling.max_interval;
    return fetch::adaptive_interval(times, now, hints, options, jitter());
  }

  void count_poll(const fetch::FetchResult& result, const fetch::PollDecision& decision, bool parse_failed) {
    metrics_.poll_duration.observe(std::chrono::duration<double>(result.timings.total).count());
    metrics_.fetched_bytes.inc(result.bytes_on_wire);
    PollOutcome outcome = PollOutcome::kOk;
    switch (decision.action) {
      case fetch::PollAction::kParse: outcome = parse_failed ? PollOutcome::kParseError : PollOutcome::kOk; break;
      case fetch::PollAction::kNotModified:
        outcome = PollOutcome::kNotModified;
        metrics_.conditional_get_hits.inc();
        break;
      case fetch::PollAction::kUnchanged: outcome = PollOutcome::kUnchanged; break;
      case fetch::PollAction::kRateLimited: outcome = PollOutcome::kThrottled; break;
      case fetch::PollAction::kDisable: outcome = PollOutcome::kGone; break;
      case fetch::PollAction::kRetryLater:
        outcome = result.ok() ? PollOutcome::kHttpError : PollOutcome::kNetworkError;
        break;
    }
    metrics_.poll(outcome).inc();
  }

  void record(const store::ClaimedSource& source, const fetch::FetchResult& result,
              const fetch::PollDecision& decision, const store::IngestReport& report) {
    ++polls_;
    items_new_ += static_cast<std::uint64_t>(report.inserted);
    items_updated_ += static_cast<std::uint64_t>(report.updated);
    metrics_.item(ItemResult::kNew).inc(static_cast<std::uint64_t>(report.inserted));
    metrics_.item(ItemResult::kUpdated).inc(static_cast<std::uint64_t>(report.updated));
    metrics_.item(ItemResult::kUnchanged).inc(static_cast<std::uint64_t>(report.unchanged));
    metrics_.identity_drifts.inc(report.drifts.size());
    for (const auto& drift : report.drifts)
      log_->warn("source {}: identity drift: item {} now arrives as {}; stored as an update of article {}",
                 source.url, drift.old_guid, drift.new_guid, drift.article_id);
    if (options_.print_polls) {
      std::cout << source.url << ": " << (result.status ? std::to_string(result.status) : std::string{"-"}) << " "
                << fetch::to_string(decision.action) << ", " << report.inserted << " new, " << report.updated
                << " updated, " << report.unchanged << " unchanged"
                << (decision.error.empty() ? std::string{} : "; error: " + decision.error) << std::endl;
    }
    if (decision.error.empty()) {
      log_->debug("source {}: {} {} in {} ms: {} new, {} updated, {} unchanged; next poll {}", source.url,
                  result.status, fetch::to_string(decision.action),
                  std::chrono::duration_cast<std::chrono::milliseconds>(result.timings.total).count(),
                  report.inserted, report.updated, report.unchanged, core::format_rfc3339(decision.next_poll_at));
      return;
    }
    ++poll_errors_;
    // Repeated identical failures are summarised: the first and every tenth are logged.
    const int errors = decision.error_count;
    if (errors <= 1 || errors % 10 == 0 || decision.action == fetch::PollAction::kDisable) {
      log_->warn("source {}: {}{}; {} (error {} in a row)", source.url,
                 result.status ? fmt::format("HTTP {}: ", result.status) : std::string{}, decision.error,
                 decision.action == fetch::PollAction::kDisable
                     ? std::string{"source disabled"}
                     : "next try " + core::format_rfc3339(decision.next_poll_at),
                 errors);
    }
  }

  asio::awaitable<void> cluster_loop() {
    auto retry = kClusterRetryFirst;
    while (!stopping_) {
      const auto step = co_await cluster_step();
      if (!step) {
        // A retry after a failed write replays the whole window from the
        // database, so a fault that persists is retried less and less often.
        co_await sleep(cluster_wake_, retry);
        retry = std::min(2 * retry, kClusterRetryMax);
        continue;
      }
      retry = kClusterRetryFirst;
      if (step->articles == 0) co_await sleep(cluster_wake_, 2s);
    }
    co_await release_clusterer();
  }

  // --once: clusters what the polls store while they run, and after the last
  // one until nothing waits. Articles left unplaced (the clusterer failed, or
  // set some aside in this run) make the exit status non-zero.
  asio::awaitable<void> cluster_catch_up() {
    std::size_t total = 0, set_aside = 0;
    bool failed = false, another_instance = false;
    store::ClusteringBacklog backlog;
    for (;;) {
      const bool last_round = polling_done_;
      const auto step = co_await cluster_step();
      if (!step) {
        failed = true;
        backlog = last_backlog_;
        break;
      }
      backlog = step->backlog;
      if (!step->holds_lock) {
        log_->info("another instance holds the clusterer lock; it clusters what was stored");
        another_instance = true;
        break;
      }
      total += step->articles;
      set_aside += step->set_aside.size();
      if (step->articles + step->set_aside.size() == 0) {
        if (last_round) break;
        co_await sleep(cluster_wake_, 200ms);  // the polls still run: more may come
      }
    }
    log_->info("clusterer caught up: {} article(s) clustered", total);
    co_await release_clusterer();
    if (another_instance) co_return;
    if (failed || backlog.waiting > 0 || set_aside > 0) {
      log_->error("{} article(s) left unplaced: {} waiting for the clusterer{}, {} set aside in this run ({} in all; "
                  "the unplaced_articles view says why)",
                  backlog.waiting + static_cast<std::int64_t>(set_aside), backlog.waiting,
                  failed ? " (it failed: " + last_cluster_error_ + ")" : std::string{}, set_aside, backlog.set_aside);
      exit_code_ = core::kExitRuntimeFailure;
    } else if (backlog.set_aside > 0) {
      log_->warn("{} article(s) set aside by earlier runs stay unplaced (the unplaced_articles view says why; "
                 "`feedclusterd recluster` offers them again)",
                 backlog.set_aside);
    }
    if (options_.print_polls)
      std::cout << total << " articles clustered, " << backlog.waiting << " waiting, " << set_aside
                << " set aside in this run" << std::endl;
  }

  // Gives up the clusterer lock and connection, on the clusterer's own thread.
  asio::awaitable<void> release_clusterer() {
    co_await asio::co_spawn(cluster_thread_, [this]() -> asio::awaitable<void> {
      if (clusterer_) clusterer_->release();
      co_return;
    }, asio::use_awaitable);
  }

  // One clusterer step on its own thread; nullopt when the database failed
  // (last_backlog_ then holds what the step found waiting).
  asio::awaitable<std::optional<ClusterStepResult>> cluster_step() {
    struct Outcome {
      std::optional<ClusterStepResult> result;
      std::string error;
      store::ClusteringBacklog backlog;  // counted after a failed step
    };
    const auto started = std::chrono::steady_clock::now();
    auto outcome = co_await asio::co_spawn(
        cluster_thread_,
        [this]() -> asio::awaitable<Outcome> {
          if (!clusterer_)
            clusterer_ = std::make_unique<Clusterer>(store_options_, cluster_engine_options(config_), kClusterBatch);
          try {
            co_return Outcome{clusterer_->step(clock_.now()), {}, {}};
          } catch (const store::StoreError& e) {
            co_return Outcome{std::nullopt, e.what(), clusterer_->backlog()};
          }
        },
        asio::use_awaitable);
    if (!outcome.result) {
      metrics_.database_errors.inc();
      log_->error("clusterer: {}; retried after a pause (5 s, doubling up to 5 min while it fails)", outcome.error);
      holds_cluster_lock_ = false;
      last_cluster_error_ = outcome.error;
      note_backlog(outcome.backlog, false);
      co_return std::nullopt;
    }
    auto& result = *outcome.result;
    if (result.holds_lock && !holds_cluster_lock_)
      log_->info("this instance now runs the clusterer{}",
                 result.requeued ? fmt::format("; {} article(s) set aside by another version offered again", result.requeued)
                                 : std::string{});
    if (result.restored > 0)
      log_->info("clusterer: {} placed article(s) of the window replayed into its engine", result.restored);
    holds_cluster_lock_ = result.holds_lock;
    time_spent_.cluster_read += result.read_time;
    time_spent_.cluster_engine += result.engine_time;
    time_spent_.cluster_write += result.write_time;
    articles_clustered_ += result.articles;
    stories_created_ += result.stories_created;
    stories_merged_ += result.stories_merged;
    metrics_.articles_clustered.inc(result.articles);
    metrics_.articles_set_aside.inc(result.set_aside.size());
    metrics_.stories_created.inc(result.stories_created);
    metrics_.stories_merged.inc(result.stories_merged);
    // Each is logged once: a set-aside article is not offered again in a loop.
    for (const auto& article : result.set_aside)
      log_->warn("clusterer: article {} set aside, {} failed: {}; the others go on (offered again when its text "
                 "changes, by `feedclusterd recluster`, or by another feedclusterd version)",
                 article.article_id, store::to_string(article.stage), article.reason);
    if (result.holds_lock) {
      metrics_.clustering_window_articles.set(static_cast<double>(result.window.articles));
      metrics_.clustering_window_stories.set(static_cast<double>(result.window.stories));
      metrics_.clustering_state_bytes.set(static_cast<double>(result.window.state_bytes));
    }
    if (result.articles > 0)
      metrics_.clustering_latency.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (result.articles > 0 || result.backlog.waiting == 0) last_cluster_error_.clear();
    // Another instance's clusterer is judged by that instance's health.
    note_backlog(result.backlog, result.articles > 0 || !result.holds_lock);
    co_return result;
  }

  // What waits for the clusterer, for the backlog metric and the progress
  // check: a backlog that no step reduces for ProgressLimits::clustering makes
  // /healthz answer 503 (and stops the systemd watchdog).
  void note_backlog(const store::ClusteringBacklog& backlog, bool placed_some) {
    last_backlog_ = backlog;
    cluster_backlog_ = static_cast<std::size_t>(backlog.waiting);
    metrics_.clustering_set_aside.set(static_cast<double>(backlog.set_aside));
    if (placed_some || backlog.waiting == 0) progress_.clustering_drained(cluster_backlog_);
    else progress_.clustering_queued(cluster_backlog_);
  }

  asio::awaitable<void> summary_loop() {
    while (!stopping_) {
      co_await sleep(summary_timer_, 60s);
      if (stopping_) break;
      log_->info("last minute: {} polls, {} errors, {} new and {} updated items, {} clustered, {} stories created, {} merged; {} in flight",
                 polls_ - reported_.polls, poll_errors_ - reported_.errors, items_new_ - reported_.items_new,
                 items_updated_ - reported_.items_updated, articles_clustered_ - reported_.clustered,
                 stories_created_ - reported_.stories_created, stories_merged_ - reported_.stories_merged, in_flight_);
      reported_ = {polls_, poll_errors_, items_new_, items_updated_, articles_clustered_, stories_created_, stories_merged_};
      notifier_.status(status_.line());
    }
  }

  // Deletes articles past retention.articles_days in small batches, off the
  // polling path, once an hour (re-reading the setting, so a reload applies).
  asio::awaitable<void> retention_loop() {
    while (!stopping_) {
      if (config_.retention.articles_days > 0) {
        const auto cutoff = clock_.now() - std::chrono::days{config_.retention.articles_days};
        std::int64_t articles = 0, stories = 0;
        try {
          for (;;) {
            const auto batch = co_await db_.run(
                [cutoff](store::Store& db) { return db.delete_articles_before(cutoff, kRetentionBatch); });
            articles += batch.articles_deleted;
            stories += batch.stories_deleted;
            if (batch.articles_deleted == 0 || stopping_) break;
          }
          if (articles > 0)
            log_->info("retention: deleted {} article(s) first seen before {} and {} emptied stories", articles,
                       core::format_rfc3339(cutoff), stories);
        } catch (const store::StoreError& e) {
          metrics_.database_errors.inc();
          log_->error("retention: {}; tried again in an hour", e.what());
        }
      }
      co_await sleep(retention_timer_, 1h);
    }
  }

  // Pets the systemd watchdog only while the pipeline makes progress, so a
  // wedged loop or a stuck queue gets the daemon restarted.
  asio::awaitable<void> watchdog_loop() {
    const auto interval = *notifier_.watchdog_interval() / 2;
    while (!stopping_) {
      progress_.loop_turned();
      const auto verdict = progress_.check();
      if (verdict.progressing) {
        notifier_.watchdog();
      } else {
        log_->error("not petting the systemd watchdog: {}", verdict.reason);
      }
      co_await sleep(watchdog_timer_, interval);
    }
  }

  HealthStatus health() const {
    if (!database_ok_) return {false, "database unreachable: " + database_error_};
    const auto verdict = progress_.check();
    if (!verdict.progressing) {
      const bool clustering = verdict.reason.find("clustering") != std::string::npos;
      return {false, clustering && !last_cluster_error_.empty()
                         ? verdict.reason + "; the clusterer fails: " + last_cluster_error_
                         : verdict.reason};
    }
    return {};
  }

  // ---- signals, reload, shutdown ------------------------------------------
  void arm_signals() {
    signals_.async_wait([this](const boost::system::error_code& error, int signal) { on_signal(error, signal); });
  }

  void on_signal(const boost::system::error_code& error, int signal) {
    if (error) return;
    if (signal == SIGHUP) {
      reload();
    } else if (!stopping_) {
      log_->info("{} received: no new polls; {} in flight get {} to finish; a second signal exits at once",
                 signal == SIGTERM ? "SIGTERM" : "SIGINT", in_flight_,
                 core::format_duration(config_.service.shutdown_timeout));
      notifier_.stopping();
      begin_shutdown();
    } else {
      log_->warn("second signal: exiting now; uncommitted polls are polled again when their leases expire");
      std::_Exit(core::kExitRuntimeFailure);
    }
    arm_signals();
  }

  void begin_shutdown() {
    stopping_ = true;
    wake_.cancel();
    cluster_wake_.cancel();
    summary_timer_.cancel();
    watchdog_timer_.cancel();
    retention_timer_.cancel();
    shutdown_deadline_.expires_after(config_.service.shutdown_timeout);
    shutdown_deadline_.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      log_->warn("shutdown timeout: abandoning {} poll(s); they are polled again when their leases expire", in_flight_);
      fetcher_.cancel_all();
    });
  }

  void reload() {
    notifier_.reloading();
    try {
      auto fresh = config::load_config_file(config_path_);
      config::apply_environment(fresh, [](const char* name) { return std::getenv(name); });
      cluster_engine_options(fresh);  // rejects bad [cluster.tuning] now, not at the next restart
      if (!log::set_level(fresh.log.level)) log_->warn("reload: unknown log level {}", fresh.log.level);
      const auto specs = source_specs_from_config(fresh.sources);
      asio::co_spawn(io_, sync_sources(specs), asio::detached);
      config_.log = fresh.log;
      config_.polling = fresh.polling;
      config_.parse = fresh.parse;
      config_.retention = fresh.retention;
      config_.sources = fresh.sources;
      log_->info("reloaded {}: sources, log level, polling and parse limits applied; database, fetch, cluster, "
                 "http and service settings take effect at the next restart",
                 config_path_);
    } catch (const config::ConfigError& e) {
      log_->error("reload rejected, keeping the running configuration: {}", e.what());
    }
    notifier_.ready(status_.line());
  }

  asio::awaitable<void> sync_sources(std::vector<store::SourceSpec> specs) {
    try {
      log_sync(co_await db_.run([&specs](store::Store& db) { return db.sync_config_sources(specs); }));
      wake_.cancel();
    } catch (const store::StoreError& e) {
      log_->error("reload: could not sync sources: {}; they are synced at the next reload or restart", e.what());
    }
  }

  void finish(std::exception_ptr error) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        log_->critical("run loop failed: {}", e.what());
      }
      exit_code_ = core::kExitRuntimeFailure;
    }
    stopping_ = true;
    signals_.cancel();
    wake_.cancel();
    cluster_wake_.cancel();
    summary_timer_.cancel();
    watchdog_timer_.cancel();
    retention_timer_.cancel();
    shutdown_deadline_.cancel();
    if (http_) http_->stop();
    log_->info("stopped: {} polls ({} errors), {} new and {} updated items, {} articles clustered", polls_, poll_errors_,
               items_new_, items_updated_, articles_clustered_);
    log_->info("time summed over all polls: {}", time_spent_.line());
    if (config_.cluster.enabled) log_->info("clusterer time: {}", time_spent_.cluster_line());
    if (options_.print_polls) {
      std::cout << polls_ << " sources polled, " << poll_errors_ << " errors, " << items_new_ << " new and "
                << items_updated_ << " updated items, " << articles_clustered_ << " articles clustered" << std::endl
                << "time summed over all polls: " << time_spent_.line() << std::endl;
      if (config_.cluster.enabled) std::cout << "clusterer time: " << time_spent_.cluster_line() << std::endl;
    }
  }

  // ---- helpers -----------------------------------------------------------
  static asio::awaitable<void> sleep(asio::steady_timer& timer, std::chrono::steady_clock::duration duration) {
    timer.expires_after(duration);
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }

  double jitter() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }

  static constexpr std::size_t kClusterBatch = 2000;
  static constexpr std::chrono::seconds kClusterRetryFirst{5};
  static constexpr std::chrono::seconds kClusterRetryMax{300};
  static constexpr std::size_t kRetentionBatch = 1000;

  config::Config config_;
  std::string config_path_;
  RunOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  core::SystemWallClock clock_;
  asio::io_context io_{1};
  asio::thread_pool cpu_;
  store::StoreOptions store_options_;
  DbPool db_;
  fetch::Fetcher fetcher_;
  asio::thread_pool cluster_thread_{1};
  std::unique_ptr<Clusterer> clusterer_;  // used only on cluster_thread_
  asio::signal_set signals_;
  asio::steady_timer wake_;
  asio::steady_timer cluster_wake_;
  asio::steady_timer shutdown_deadline_;
  asio::steady_timer summary_timer_;
  asio::steady_timer watchdog_timer_;
  asio::steady_timer retention_timer_;
  std::mt19937_64 rng_;
  fetch::HostPauseTracker host_pauses_;  // used only on io_
  Metrics metrics_;
  StatusSummary status_;
  ProgressWatchdog progress_;
  SystemdNotifier notifier_;

  bool stopping_ = false;
  bool holds_cluster_lock_ = false;
  // --once: the polls are all done; the clusterer runs alongside them.
  bool polling_done_ = false;
  bool clustering_along_ = false;
  store::ClusteringBacklog last_backlog_;
  std::string last_cluster_error_;  // of the last failed step, until a step places articles
  std::size_t in_flight_ = 0;
  int exit_code_ = core::kExitOk;
  bool database_ok_ = true;
  std::string database_error_;
  std::size_t commits_pending_ = 0;
  std::size_t cluster_backlog_ = 0;
  std::uint64_t polls_ = 0, poll_errors_ = 0, items_new_ = 0, items_updated_ = 0;
  std::uint64_t articles_clustered_ = 0, stories_created_ = 0, stories_merged_ = 0;
  // Where poll time goes, summed over polls (they overlap, so the sums exceed
  // the wall time): waiting for a fetch slot, fetching, parsing on the CPU
  // pool, committing (including the wait for a database thread).
  struct {
    std::chrono::steady_clock::duration queued{}, fetch{}, parse{}, store{};
    // The clusterer's steps, one at a time on its thread: not overlapping.
    std::chrono::steady_clock::duration cluster_read{}, cluster_engine{}, cluster_write{};
    std::string line() const {
      const auto s = [](auto d) { return std::chrono::duration<double>(d).count(); };
      return fmt::format("queued for a fetch slot {:.1f} s, fetch {:.1f} s, parse {:.1f} s, store {:.1f} s",
                         s(queued), s(fetch), s(parse), s(store));
    }
    std::string cluster_line() const {
      const auto s = [](auto d) { return std::chrono::duration<double>(d).count(); };
      return fmt::format("reading articles {:.1f} s, engine {:.1f} s, writing decisions {:.1f} s", s(cluster_read),
                         s(cluster_engine), s(cluster_write));
    }
  } time_spent_;
  struct {
    std::uint64_t polls, errors, items_new, items_updated, clustered, stories_created, stories_merged;
  } reported_{};
  // Last: it scrapes the members above, so it goes first on destruction.
  std::unique_ptr<HttpServer> http_;
};

Daemon::Daemon(config::Config config, std::string config_path)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(config_path))) {}

Daemon::~Daemon() = default;

int Daemon::run(const RunOptions& options) { return impl_->run(options); }

}  // namespace fcd::service
