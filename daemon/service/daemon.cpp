#include "service/daemon.hpp"

#include <csignal>

#include "asio/asio.hpp"
#include "core/clock.hpp"
#include "core/time.hpp"
#include "core/version.hpp"
#include "fetch/fetcher.hpp"
#include "log/log.hpp"
#include "service/cluster_driver.hpp"
#include "service/db_pool.hpp"
#include "service/housekeeping.hpp"
#include "service/http_server.hpp"
#include "service/live_config.hpp"
#include "service/mapping.hpp"
#include "service/metrics.hpp"
#include "service/poller.hpp"
#include "service/reload.hpp"
#include "service/scheduler.hpp"
#include "service/source_gauges.hpp"
#include "service/systemd_notify.hpp"

namespace fcd::service {

namespace {

std::string instance_id(const config::Config& config) {
  return config.service.instance_id.empty() ? store::default_instance_id() : config.service.instance_id;
}

}  // namespace

class Daemon::Impl {
 public:
  Impl(config::Config config, std::string config_path)
      : config_(std::make_shared<const config::Config>(std::move(config))),
        start_(config_.get()),
        config_path_(std::move(config_path)),
        log_(log::get("service")),
        cpu_(static_cast<std::size_t>(start_->service.worker_threads)),
        store_options_{.url = start_->database.url, .instance_id = instance_id(*start_)},
        db_(store_options_, static_cast<std::size_t>(start_->database.pool_size)),
        fetcher_(io_, fetcher_options(*start_), clock_),
        signals_(io_, SIGINT, SIGTERM, SIGHUP),
        shutdown_deadline_(io_),
        caught_up_(io_),
        metrics_(core::kVersion, clock_.now()),
        status_(metrics_, clock_),
        progress_(clock_, ProgressLimits{}) {}

  int run(const RunOptions& options) {
    options_ = options;
    observer_ = options.observer ? options.observer : &silent_;
    poller_.emplace(Poller::Parts{fetcher_, db_, cpu_, clock_, config_, metrics_, progress_, *observer_});
    scheduler_.emplace(Scheduler::Parts{io_, db_, *poller_, clock_, config_, metrics_, progress_, *observer_},
                       static_cast<std::size_t>(start_->fetch.max_concurrent) * 2);
    cluster_.emplace(ClusterDriver::Parts{io_, store_options_, config_, clock_, metrics_, progress_, *observer_});
    housekeeping_.emplace(Housekeeping::Parts{io_, db_, config_, clock_, metrics_, progress_, notifier_, status_,
                                              [this] { return counts(); }});
    metrics_.fetch_queue_depth.set_callback([this] { return static_cast<double>(fetcher_.queued()); });
    metrics_.ingest_queue_depth.set_callback([this] { return static_cast<double>(poller_->commits_pending()); });
    metrics_.clustering_backlog.set_callback([this] { return static_cast<double>(cluster_->backlog()); });

    prepare_database();
    log_->info("instance {} starting: {} source(s) in config, polling {}", store_options_.instance_id,
               start_->sources.size(), options_.once ? "once" : "continuously");
    arm_signals();
    // The server announces the address it bound, once.
    if (!options_.once && !start_->http.listen.empty())
      http_ = std::make_unique<HttpServer>(io_, start_->http.listen, metrics_.registry, [this] { return health(); });
    asio::co_spawn(io_, main_loop(), [this](std::exception_ptr error) { finish(error); });
    notifier_.ready(status_.line());
    io_.run();
    cpu_.join();
    cluster_->join();
    db_.stop();
    release_abandoned_leases();
    metrics_.fetch_queue_depth.set_callback({});
    metrics_.ingest_queue_depth.set_callback({});
    metrics_.clustering_backlog.set_callback({});
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

  void prepare_database() {
    store::Store db(store_options_);
    if (start_->database.auto_migrate) {
      const auto report = db.migrate();
      for (const auto& migration : report.applied) log_->info("applied migration {}", migration.name);
    } else {
      db.require_current_schema();
    }
    log_sync(db.sync_config_sources(source_specs_from_config(start_->sources)));
    if (options_.all_sources) log_->info("{} enabled source(s) made due", db.make_due(std::nullopt, clock_.now()));
    // READY's STATUS line and the first scrape show the sources as stored.
    set_source_gauges(metrics_, db.count_sources(clock_.now()));
    metrics_.database_up.set(1);
  }

  void log_sync(const store::SyncCounts& counts) {
    log_->info("config sources synced: {} added, {} updated, {} disabled, {} re-enabled, {} unchanged{}", counts.added,
               counts.updated, counts.disabled, counts.reenabled, counts.unchanged,
               counts.skipped ? fmt::format(", {} skipped (added by OPML or CLI)", counts.skipped) : "");
  }

  asio::awaitable<void> main_loop() {
    const bool clustering = start_->cluster.enabled;
    if (!options_.once) {
      housekeeping_->start();
      if (clustering) asio::co_spawn(io_, cluster_->run(), asio::detached);
    }
    // --once clusters while it polls, as the daemon does, then catches up.
    if (options_.once && clustering) {
      clustering_along_ = true;
      asio::co_spawn(io_, cluster_->catch_up(), [this](std::exception_ptr error, bool all_placed) {
        clustering_along_ = false;
        caught_up_.cancel();
        if (error) {
          try {
            std::rethrow_exception(error);
          } catch (const std::exception& e) {
            log_->critical("clusterer failed: {}", e.what());
          }
        }
        if (error || !all_placed) exit_code_ = core::kExitRuntimeFailure;
      });
    }
    if (options_.only_source) {
      if (!co_await scheduler_->poll_only(*options_.only_source)) exit_code_ = core::kExitRuntimeFailure;
    } else {
      co_await scheduler_->run(options_.once);
    }
    cluster_->polling_done();
    while (clustering_along_) co_await sleep_for(caught_up_, std::chrono::seconds{1});
  }

  RunCounts counts() const {
    const auto& polls = poller_->totals();
    const auto& clustered = cluster_->totals();
    return {.polls = polls.polls,
            .poll_errors = polls.errors,
            .items_new = polls.items_new,
            .items_updated = polls.items_updated,
            .clustered = clustered.articles,
            .stories_created = clustered.stories_created,
            .stories_merged = clustered.stories_merged,
            .database_errors = metrics_.database_errors.value(),
            .in_flight = scheduler_->in_flight()};
  }

  HealthStatus health() const {
    if (!scheduler_->database_ok()) return {false, "database unreachable: " + scheduler_->database_error()};
    const auto verdict = progress_.check();
    if (!verdict.progressing) {
      const bool clustering = verdict.reason.find("clustering") != std::string::npos;
      return {false, clustering && !cluster_->last_error().empty()
                         ? verdict.reason + "; the clusterer fails: " + cluster_->last_error()
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
                 signal == SIGTERM ? "SIGTERM" : "SIGINT", scheduler_->in_flight(),
                 core::format_duration(config_.get()->service.shutdown_timeout));
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
    scheduler_->stop();
    cluster_->stop();
    housekeeping_->stop();
    shutdown_deadline_.expires_after(config_.get()->service.shutdown_timeout);
    shutdown_deadline_.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      log_->warn("shutdown timeout: abandoning {} poll(s); they are polled again when their leases expire",
                 scheduler_->in_flight());
      fetcher_.cancel_all();
    });
  }

  // Builds a whole new configuration from the file and swaps it in whole;
  // keys only a restart applies keep their running values (plan_reload), and
  // the log line names what changed.
  void reload() {
    notifier_.reloading();
    try {
      auto fresh = config::load_config_file(config_path_);
      config::apply_environment(fresh, [](const char* name) { return std::getenv(name); });
      cluster_engine_options(fresh);  // rejects bad [cluster.tuning] now, not at the next restart
      auto plan = plan_reload(*config_.get(), std::move(fresh));
      if (!log::set_level(plan.next.log.level)) log_->warn("reload: unknown log level {}", plan.next.log.level);
      asio::co_spawn(io_, sync_sources(source_specs_from_config(plan.next.sources)), asio::detached);
      log_->info("{}", describe(plan, config_path_));
      config_.replace(std::make_shared<const config::Config>(std::move(plan.next)));
      metrics_.config_last_reload_successful.set(1);
      metrics_.config_last_reload_success_time.set(double(clock_.now().time_since_epoch().count()));
    } catch (const config::ConfigError& e) {
      metrics_.config_last_reload_successful.set(0);
      log_->error("reload rejected, keeping the running configuration: {}", e.what());
    }
    notifier_.ready(status_.line());
  }

  asio::awaitable<void> sync_sources(std::vector<store::SourceSpec> specs) {
    try {
      log_sync(co_await db_.run([&specs](store::Store& db) { return db.sync_config_sources(specs); }));
      scheduler_->wake();
    } catch (const store::StoreError& e) {
      metrics_.database_errors.inc();
      log_->error("reload: could not sync sources: {}; they are synced at the next reload or restart", e.what());
      co_return;
    }
    try {
      co_await refresh_source_gauges(db_, metrics_, clock_.now());
    } catch (const store::StoreError& e) {
      log_->warn("reload: could not count the sources for the gauges: {}; the next summary does", e.what());
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
    scheduler_->stop();
    cluster_->stop();
    housekeeping_->stop();
    shutdown_deadline_.cancel();
    if (http_) http_->stop();
    const auto& polls = poller_->totals();
    const auto& clustered = cluster_->totals();
    log_->info("stopped: {} polls ({} errors), {} new and {} updated items, {} articles clustered", polls.polls,
               polls.errors, polls.items_new, polls.items_updated, clustered.articles);
    log_->info("time summed over all polls: {}", poller_->time_spent().line());
    if (start_->cluster.enabled) log_->info("clusterer time: {}", clustered.time_line());
    observer_->finished({.polls = polls.polls,
                         .errors = polls.errors,
                         .items_new = polls.items_new,
                         .items_updated = polls.items_updated,
                         .articles_clustered = clustered.articles,
                         .poll_time = poller_->time_spent().line(),
                         .cluster_time = start_->cluster.enabled ? clustered.time_line() : std::string{}});
  }

  LiveConfig config_;
  // The configuration at start-up: what the fetcher, the pools, the listener
  // and the clusterer were built from (a reload keeps these settings).
  const config::ConfigSnapshot start_;
  std::string config_path_;
  RunOptions options_;
  RunObserver silent_;
  RunObserver* observer_ = &silent_;
  std::shared_ptr<spdlog::logger> log_;
  core::SystemWallClock clock_;
  asio::io_context io_{1};
  asio::thread_pool cpu_;
  store::StoreOptions store_options_;
  DbPool db_;
  fetch::Fetcher fetcher_;
  asio::signal_set signals_;
  asio::steady_timer shutdown_deadline_;
  asio::steady_timer caught_up_;  // cancelled when the --once catch-up ends
  Metrics metrics_;
  StatusSummary status_;
  ProgressWatchdog progress_;
  SystemdNotifier notifier_;
  std::optional<Poller> poller_;
  std::optional<Scheduler> scheduler_;
  std::optional<ClusterDriver> cluster_;
  std::optional<Housekeeping> housekeeping_;
  bool stopping_ = false;
  bool clustering_along_ = false;  // --once: the clusterer catches up alongside the polls
  int exit_code_ = core::kExitOk;
  // Last: it scrapes the members above, so it goes first on destruction.
  std::unique_ptr<HttpServer> http_;
};

Daemon::Daemon(config::Config config, std::string config_path)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(config_path))) {}

Daemon::~Daemon() = default;

int Daemon::run(const RunOptions& options) { return impl_->run(options); }

}  // namespace fcd::service
