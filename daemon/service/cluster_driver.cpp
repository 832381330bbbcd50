#include "service/cluster_driver.hpp"

namespace fcd::service {

using namespace std::chrono_literals;

std::string ClusterTotals::time_line() const {
  const auto s = [](auto d) { return std::chrono::duration<double>(d).count(); };
  return fmt::format("reading articles {:.1f} s, engine {:.1f} s, writing decisions {:.1f} s", s(read), s(engine),
                     s(write));
}

ClusterDriver::ClusterDriver(Parts parts) : parts_(parts), log_(log::get("service")), wake_(parts.io) {}

ClusterDriver::~ClusterDriver() { join(); }

void ClusterDriver::join() { thread_.join(); }

void ClusterDriver::stop() {
  stopping_ = true;
  wake_.cancel();
}

void ClusterDriver::polling_done() {
  polling_done_ = true;
  wake_.cancel();
}

asio::awaitable<void> ClusterDriver::run() {
  auto retry = std::chrono::duration_cast<std::chrono::steady_clock::duration>(kRetryFirst);
  while (!stopping_) {
    const auto result = co_await step();
    if (!result) {
      // A retry after a failed write replays the whole window from the
      // database, so a fault that persists is retried less and less often.
      co_await sleep_for(wake_, retry);
      retry = std::min<std::chrono::steady_clock::duration>(2 * retry, kRetryMax);
      continue;
    }
    retry = kRetryFirst;
    if (result->articles == 0) co_await sleep_for(wake_, 2s);
  }
  co_await release();
}

asio::awaitable<bool> ClusterDriver::catch_up() {
  catching_up_ = true;
  std::size_t total = 0, set_aside = 0;
  bool failed = false, another_instance = false;
  store::ClusteringBacklog backlog;
  for (;;) {
    const bool last_round = polling_done_;
    const auto result = co_await step();
    if (!result) {
      failed = true;
      backlog = last_backlog_;
      break;
    }
    backlog = result->backlog;
    if (!result->holds_lock) {
      log_->info("another instance holds the clusterer lock; it clusters what was stored");
      another_instance = true;
      break;
    }
    total += result->articles;
    set_aside += result->set_aside.size();
    if (result->articles + result->set_aside.size() == 0) {
      if (last_round) break;
      co_await sleep_for(wake_, 200ms);  // the polls still run: more may come
    }
  }
  log_->info("clusterer caught up: {} article(s) clustered", total);
  co_await release();
  if (another_instance) co_return true;
  bool all_placed = true;
  if (failed || backlog.waiting > 0 || set_aside > 0) {
    log_->error("{} article(s) left unplaced: {} waiting for the clusterer{}, {} set aside in this run ({} in all; "
                "the unplaced_articles view says why)",
                backlog.waiting + static_cast<std::int64_t>(set_aside), backlog.waiting,
                failed ? " (it failed: " + last_error_ + ")" : std::string{}, set_aside, backlog.set_aside);
    all_placed = false;
  } else if (backlog.set_aside > 0) {
    log_->warn("{} article(s) set aside by earlier runs stay unplaced (the unplaced_articles view says why; "
               "`feedclusterd recluster` offers them again)",
               backlog.set_aside);
  }
  parts_.observer.caught_up({.clustered = total, .waiting = backlog.waiting, .set_aside = set_aside});
  co_return all_placed;
}

// Gives up the clusterer lock and connection, on the clusterer's own thread.
asio::awaitable<void> ClusterDriver::release() {
  co_await asio::co_spawn(
      thread_,
      [this]() -> asio::awaitable<void> {
        if (clusterer_) clusterer_->release();
        co_return;
      },
      asio::use_awaitable);
  parts_.metrics.clusterer_owner.set(0);
}

// One clusterer step on its own thread; nullopt when the database failed
// (last_backlog_ then holds what the step found waiting).
asio::awaitable<std::optional<ClusterStepResult>> ClusterDriver::step() {
  struct Outcome {
    std::optional<ClusterStepResult> result;
    std::string error;
    store::ClusteringBacklog backlog;  // counted after a failed step
  };
  const auto started = std::chrono::steady_clock::now();
  // The clusterer thread builds its engine from the snapshot handed to it
  // here; it never reads the live configuration.
  const config::ConfigSnapshot config = parts_.config.get();
  const core::TimePoint now = parts_.clock.now();
  auto outcome = co_await asio::co_spawn(
      thread_,
      [this, config = config.get(), now]() -> asio::awaitable<Outcome> {
        if (!clusterer_)
          clusterer_ = std::make_unique<Clusterer>(parts_.store_options, cluster_engine_options(*config), kBatch);
        try {
          co_return Outcome{clusterer_->step(now), {}, {}};
        } catch (const store::StoreError& e) {
          co_return Outcome{std::nullopt, e.what(), clusterer_->backlog()};
        }
      },
      asio::use_awaitable);
  auto& metrics = parts_.metrics;
  if (!outcome.result) {
    metrics.database_errors.inc();
    log_->error("clusterer: {}; retried after a pause (5 s, doubling up to 5 min while it fails)", outcome.error);
    holds_lock_ = false;
    metrics.clusterer_owner.set(0);
    last_error_ = outcome.error;
    note_backlog(outcome.backlog, false);
    co_return std::nullopt;
  }
  auto& result = *outcome.result;
  if (result.holds_lock && !holds_lock_)
    log_->info("this instance now runs the clusterer{}",
               result.requeued ? fmt::format("; {} article(s) set aside by another version offered again", result.requeued)
                               : std::string{});
  if (!result.holds_lock && !catching_up_ && (holds_lock_ || !told_not_holder_))
    log_->info("another instance runs the clusterer; this one polls and stores only, and takes the clusterer over "
               "if that instance stops");
  told_not_holder_ = told_not_holder_ || !result.holds_lock;
  if (result.restored > 0)
    log_->info("clusterer: {} placed article(s) of the window replayed into its engine", result.restored);
  holds_lock_ = result.holds_lock;
  metrics.clusterer_owner.set(holds_lock_ ? 1 : 0);
  totals_.read += result.read_time;
  totals_.engine += result.engine_time;
  totals_.write += result.write_time;
  totals_.articles += result.articles;
  totals_.stories_created += result.stories_created;
  totals_.stories_merged += result.stories_merged;
  metrics.articles_clustered.inc(result.articles);
  metrics.articles_set_aside.inc(result.set_aside.size());
  metrics.stories_created.inc(result.stories_created);
  metrics.stories_merged.inc(result.stories_merged);
  // Each is logged once: a set-aside article is not offered again in a loop.
  for (const auto& article : result.set_aside)
    log_->warn("clusterer: article {} set aside, {} failed: {}; the others go on (offered again when its text "
               "changes, by `feedclusterd recluster`, or by another feedclusterd version)",
               article.article_id, store::to_string(article.stage), article.reason);
  if (result.holds_lock) {
    metrics.clustering_window_articles.set(static_cast<double>(result.window.articles));
    metrics.clustering_window_stories.set(static_cast<double>(result.window.stories));
    metrics.clustering_state_bytes.set(static_cast<double>(result.window.state_bytes));
  }
  if (result.articles > 0)
    metrics.clustering_latency.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (result.articles > 0 || result.backlog.waiting == 0) last_error_.clear();
  // Another instance's clusterer is judged by that instance's health.
  note_backlog(result.backlog, result.articles > 0 || !result.holds_lock);
  co_return result;
}

// What waits for the clusterer, for the backlog metric and the progress
// check: a backlog that no step reduces for ProgressLimits::clustering makes
// /healthz answer 503 (and stops the systemd watchdog).
void ClusterDriver::note_backlog(const store::ClusteringBacklog& backlog, bool placed_some) {
  last_backlog_ = backlog;
  backlog_ = static_cast<std::size_t>(backlog.waiting);
  parts_.metrics.clustering_set_aside.set(static_cast<double>(backlog.set_aside));
  if (placed_some || backlog.waiting == 0) parts_.progress.clustering_drained(backlog_);
  else parts_.progress.clustering_queued(backlog_);
}

}  // namespace fcd::service
