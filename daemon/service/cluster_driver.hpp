#pragma once
// Runs the Clusterer on a thread of its own and reports on it: steps while
// this instance holds the clusterer lock (retrying with a growing pause while
// the database fails), logs each article set aside once, keeps the clustering
// metrics and the backlog the progress watchdog judges (a backlog no step
// reduces makes /healthz answer 503). Its public functions are called on the
// event loop's thread; the Clusterer itself only ever runs on the driver's
// thread, with the configuration snapshot it was built from.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "asio/asio.hpp"
#include "core/clock.hpp"
#include "log/log.hpp"
#include "service/clusterer.hpp"
#include "service/live_config.hpp"
#include "service/metrics.hpp"
#include "service/run_observer.hpp"
#include "service/systemd_notify.hpp"

namespace fcd::service {

struct ClusterTotals {
  std::uint64_t articles = 0, stories_created = 0, stories_merged = 0;
  // The steps' time, one at a time on the driver's thread: not overlapping.
  std::chrono::steady_clock::duration read{}, engine{}, write{};
  std::string time_line() const;
};

class ClusterDriver {
 public:
  struct Parts {
    asio::io_context& io;
    store::StoreOptions store_options;
    const LiveConfig& config;
    const core::WallClock& clock;
    Metrics& metrics;
    ProgressWatchdog& progress;
    RunObserver& observer;
  };
  explicit ClusterDriver(Parts parts);
  ~ClusterDriver();  // joins the thread
  ClusterDriver(const ClusterDriver&) = delete;
  ClusterDriver& operator=(const ClusterDriver&) = delete;

  // Steps until stop(), then gives up the lock.
  asio::awaitable<void> run();

  // --once: clusters what the polls store while they run, and after
  // polling_done() until nothing waits, then gives up the lock. False when
  // articles were left unplaced (the clusterer failed, or set some aside in
  // this run): the run's exit status is then non-zero.
  asio::awaitable<bool> catch_up();
  void polling_done();

  void stop();
  // Waits for the thread to finish its step.
  void join();

  bool holds_lock() const noexcept { return holds_lock_; }
  // Why the last step failed, until a step places articles; empty otherwise.
  const std::string& last_error() const noexcept { return last_error_; }
  const ClusterTotals& totals() const noexcept { return totals_; }
  std::size_t backlog() const noexcept { return backlog_; }

 private:
  asio::awaitable<std::optional<ClusterStepResult>> step();
  asio::awaitable<void> release();
  void note_backlog(const store::ClusteringBacklog& backlog, bool placed_some);

  static constexpr std::size_t kBatch = 2000;
  static constexpr std::chrono::seconds kRetryFirst{5};
  static constexpr std::chrono::seconds kRetryMax{300};

  Parts parts_;
  std::shared_ptr<spdlog::logger> log_;
  asio::thread_pool thread_{1};
  std::unique_ptr<Clusterer> clusterer_;  // used only on thread_
  asio::steady_timer wake_;
  bool stopping_ = false;
  bool polling_done_ = false;
  bool catching_up_ = false;  // --once: catch_up() says itself when another instance clusters
  bool holds_lock_ = false;
  bool told_not_holder_ = false;  // "another instance runs the clusterer" is logged once (and on losing the lock)
  store::ClusteringBacklog last_backlog_;
  std::size_t backlog_ = 0;
  std::string last_error_;
  ClusterTotals totals_;
};

}  // namespace fcd::service
