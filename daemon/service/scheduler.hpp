#pragma once
// Which sources are polled, and when: claims due sources by lease (up to the
// fetcher's capacity), hands each to the Poller, tells which sources other
// live instances hold (when that changes), defers the sources of a host
// that rate limits several of its feeds (fetch::HostPauseTracker), and backs
// off while the database does not answer. Used on the event loop's thread.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "asio/asio.hpp"
#include "core/clock.hpp"
#include "fetch/policy.hpp"
#include "log/log.hpp"
#include "service/db_pool.hpp"
#include "service/live_config.hpp"
#include "service/metrics.hpp"
#include "service/poller.hpp"
#include "service/run_observer.hpp"
#include "service/systemd_notify.hpp"

namespace fcd::service {

// Which sources this instance cannot poll because another live instance
// holds their leases, told when that set changes rather than on every check.
class HeldElsewhereReport {
 public:
  // held: store::Store::leases_held_elsewhere() now. The line to log when
  // the set of sources differs from the last call's (naming a few of them),
  // nullopt when it is the same.
  std::optional<std::string> note(const std::vector<store::HeldLease>& held);

  static constexpr std::size_t kNamed = 5;

 private:
  std::vector<core::SourceId> last_;
};

class Scheduler {
 public:
  struct Parts {
    asio::io_context& io;
    DbPool& db;
    Poller& poller;
    const core::WallClock& clock;
    const LiveConfig& config;
    Metrics& metrics;
    ProgressWatchdog& progress;
    RunObserver& observer;
  };
  // capacity: polls in flight at most (fetch.max_concurrent, read once:
  // the fetcher's own limit is fixed at start-up too).
  Scheduler(Parts parts, std::size_t capacity);

  // Claims and polls due sources until stop(); with once, until none is due
  // and none is in flight. Returns when the polls it started have ended.
  asio::awaitable<void> run(bool once);

  // Polls that one source, due or not; false when it could not be claimed
  // (unknown, disabled, or leased by another instance: logged).
  asio::awaitable<bool> poll_only(std::string url);

  // No new polls; run() returns once those in flight end.
  void stop();
  // Looks for due sources now (after a reload synced new ones).
  void wake() { wake_.cancel(); }

  std::size_t in_flight() const noexcept { return in_flight_; }
  // Whether the last claim reached the database, and if not, why.
  bool database_ok() const noexcept { return database_ok_; }
  const std::string& database_error() const noexcept { return database_error_; }

 private:
  asio::awaitable<void> poll_source(store::ClaimedSource source);
  asio::awaitable<void> defer(const store::ClaimedSource& source, core::TimePoint until);
  void note_rate_limit(const std::string& host, const PollReport& report);
  asio::awaitable<void> report_held_elsewhere();

  // How often run() looks for sources other live instances hold.
  static constexpr core::Duration kHeldElsewhereCheckEvery{30};

  Parts parts_;
  std::size_t capacity_;
  std::shared_ptr<spdlog::logger> log_;
  asio::steady_timer wake_;
  fetch::HostPauseTracker host_pauses_;
  bool stopping_ = false;
  std::size_t in_flight_ = 0;
  bool database_ok_ = true;
  std::string database_error_;
  HeldElsewhereReport held_elsewhere_;
  core::TimePoint next_held_check_{};
};

}  // namespace fcd::service
