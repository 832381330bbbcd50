#include "service/housekeeping.hpp"

#include "core/time.hpp"
#include "service/source_gauges.hpp"
#include "store/store.hpp"

namespace fcd::service {

using namespace std::chrono_literals;

Housekeeping::Housekeeping(Parts parts)
    : parts_(std::move(parts)),
      log_(log::get("service")),
      summary_timer_(parts_.io),
      retention_timer_(parts_.io),
      watchdog_timer_(parts_.io) {}

void Housekeeping::start() {
  reported_ = parts_.counts();
  asio::co_spawn(parts_.io, summary_loop(), asio::detached);
  asio::co_spawn(parts_.io, retention_loop(), asio::detached);
  if (parts_.notifier.watchdog_interval()) asio::co_spawn(parts_.io, watchdog_loop(), asio::detached);
}

void Housekeeping::stop() {
  stopping_ = true;
  summary_timer_.cancel();
  retention_timer_.cancel();
  watchdog_timer_.cancel();
}

asio::awaitable<void> Housekeeping::summary_loop() {
  while (!stopping_) {
    co_await sleep_for(summary_timer_, 60s);
    if (stopping_) break;
    co_await refresh_gauges();
    const RunCounts now = parts_.counts();
    const RunCounts& was = reported_;
    const auto delta = [](std::uint64_t now, std::uint64_t was) { return static_cast<std::int64_t>(now - was); };
    const auto polls = delta(now.polls, was.polls), poll_errors = delta(now.poll_errors, was.poll_errors);
    const auto database_errors = delta(now.database_errors, was.database_errors);
    log::event(*log_, spdlog::level::info,
               {{"polls", polls}, {"poll_errors", poll_errors}, {"database_errors", database_errors}},
               "last minute: {} polls, {} poll errors, {} database errors, {} new and {} updated items, {} clustered, "
               "{} stories created, {} merged; {} in flight",
               polls, poll_errors, database_errors, now.items_new - was.items_new, now.items_updated - was.items_updated,
               now.clustered - was.clustered, now.stories_created - was.stories_created,
               now.stories_merged - was.stories_merged, now.in_flight);
    reported_ = now;
    parts_.notifier.status(parts_.status.line());
  }
}

// The STATUS line and /metrics show the sources as the database counts them
// now; while it does not answer they keep the last counts (database_up says so).
asio::awaitable<void> Housekeeping::refresh_gauges() {
  try {
    co_await refresh_source_gauges(parts_.db, parts_.metrics, parts_.clock.now());
    gauges_failed_ = false;
  } catch (const store::StoreError& e) {
    if (!gauges_failed_)
      log_->warn("could not count the sources for the gauges: {}; they keep their last values", e.what());
    gauges_failed_ = true;
  }
}

// Deletes articles past retention.articles_days in small batches, off the
// polling path, once an hour (reading the setting each time, so a reload applies).
asio::awaitable<void> Housekeeping::retention_loop() {
  while (!stopping_) {
    const auto config = parts_.config.get();
    if (config->retention.articles_days > 0) {
      const auto cutoff = parts_.clock.now() - std::chrono::days{config->retention.articles_days};
      std::int64_t articles = 0, stories = 0;
      try {
        for (;;) {
          const auto batch = co_await parts_.db.run(
              [cutoff](store::Store& db) { return db.delete_articles_before(cutoff, kRetentionBatch); });
          articles += batch.articles_deleted;
          stories += batch.stories_deleted;
          if (batch.articles_deleted == 0 || stopping_) break;
        }
        if (articles > 0)
          log_->info("retention: deleted {} article(s) first seen before {} and {} emptied stories", articles,
                     core::format_rfc3339(cutoff), stories);
      } catch (const store::StoreError& e) {
        parts_.metrics.database_errors.inc();
        log_->error("retention: {}; tried again in an hour", e.what());
      }
    }
    co_await sleep_for(retention_timer_, 1h);
  }
}

// Pets the systemd watchdog only while the pipeline makes progress, so a
// wedged loop or a stuck queue gets the daemon restarted.
asio::awaitable<void> Housekeeping::watchdog_loop() {
  const auto interval = *parts_.notifier.watchdog_interval() / 2;
  while (!stopping_) {
    parts_.progress.loop_turned();
    const auto verdict = parts_.progress.check();
    if (verdict.progressing) {
      parts_.notifier.watchdog();
    } else {
      log_->error("not petting the systemd watchdog: {}", verdict.reason);
    }
    co_await sleep_for(watchdog_timer_, interval);
  }
}

}  // namespace fcd::service
