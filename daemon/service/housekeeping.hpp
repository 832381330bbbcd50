#pragma once
// The daemon's periodic chores, each a loop on the event loop's thread:
// the per-minute summary (the source gauges counted in the database, then
// the log line and systemd STATUS= from them), retention (deleting
// articles past retention.articles_days, hourly, in small batches), and the
// systemd watchdog, petted only while the pipeline makes progress.
#include <cstdint>
#include <functional>
#include <memory>

#include "asio/asio.hpp"
#include "core/clock.hpp"
#include "log/log.hpp"
#include "service/db_pool.hpp"
#include "service/live_config.hpp"
#include "service/metrics.hpp"
#include "service/systemd_notify.hpp"

namespace fcd::service {

// Running totals the summary reports the last minute of.
struct RunCounts {
  std::uint64_t polls = 0, poll_errors = 0, items_new = 0, items_updated = 0;
  std::uint64_t clustered = 0, stories_created = 0, stories_merged = 0;
  std::uint64_t database_errors = 0;
  std::size_t in_flight = 0;
};

class Housekeeping {
 public:
  struct Parts {
    asio::io_context& io;
    DbPool& db;
    const LiveConfig& config;
    const core::WallClock& clock;
    Metrics& metrics;
    ProgressWatchdog& progress;
    SystemdNotifier& notifier;
    StatusSummary& status;
    std::function<RunCounts()> counts;
  };
  explicit Housekeeping(Parts parts);

  // Starts the loops (the watchdog's only when systemd asked for one).
  void start();
  // Ends them at their next wake-up (now, for those sleeping).
  void stop();

 private:
  asio::awaitable<void> summary_loop();
  asio::awaitable<void> refresh_gauges();
  asio::awaitable<void> retention_loop();
  asio::awaitable<void> watchdog_loop();

  static constexpr std::size_t kRetentionBatch = 1000;

  Parts parts_;
  std::shared_ptr<spdlog::logger> log_;
  asio::steady_timer summary_timer_, retention_timer_, watchdog_timer_;
  bool stopping_ = false;
  bool gauges_failed_ = false;  // the last refresh failed (logged once)
  RunCounts reported_;
};

}  // namespace fcd::service
