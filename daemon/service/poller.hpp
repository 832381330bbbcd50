#pragma once
// One poll of one source: fetch -> parse (on the CPU pool) -> commit (on a
// database thread), with the policy's decisions in between (conditional GET,
// same-body skip, backoff, adaptive interval, permanent redirects). The
// caller has claimed the source; which sources and when is the Scheduler's.
//
// Everything the Poller touches is injected: the fetcher, the database pool,
// the CPU pool, the clock, the configuration, the metrics and progress marks
// it updates, and the observer it reports each committed poll to. Use it on
// the thread that runs the fetcher's io_context.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

#include "asio/asio.hpp"
#include "core/clock.hpp"
#include "feed/feed.hpp"
#include "fetch/fetcher.hpp"
#include "log/log.hpp"
#include "service/db_pool.hpp"
#include "service/live_config.hpp"
#include "service/metrics.hpp"
#include "service/run_observer.hpp"
#include "service/systemd_notify.hpp"
#include "store/types.hpp"

namespace fcd::service {

// Decides when a failing source is worth a log line: when it starts failing,
// when the kind of failure changes, when it recovers, and once a day while it
// stays broken (so a broken feed never goes quiet for long, and a flapping one
// does not flood the log). Remembers the failing sources it has seen.
class FailureLog {
 public:
  enum class Event { kNone, kStarted, kChanged, kStillFailing, kRecovered };
  static constexpr core::Duration kRepeatEvery = std::chrono::hours{24};

  // reason: the kind of failure of this poll (failure_reason()), empty when it
  // succeeded; errors_before: the source's failures in a row before it, as the
  // store counted them (a source failing since before a restart is reported
  // as still failing, not as starting to).
  Event note(core::SourceId source, const std::string& reason, int errors_before, core::TimePoint now);

 private:
  struct Failing {
    std::string reason;
    core::TimePoint logged_at;
  };
  std::unordered_map<core::SourceId, Failing> failing_;
};

// The kind of a failed poll, stable from one failure to the next of the same
// kind: "HTTP 404", "timeout", "not a feed". Empty for a success.
std::string failure_reason(const PollReport& report, fetch::FetchError error);

// Poll time summed over polls (they overlap, so the sums exceed wall time).
struct PollTimeSpent {
  std::chrono::steady_clock::duration queued{}, fetch{}, parse{}, store{};
  std::string line() const;
};

struct PollTotals {
  std::uint64_t polls = 0, errors = 0, items_new = 0, items_updated = 0;
};

class Poller {
 public:
  struct Parts {
    fetch::Fetcher& fetcher;
    DbPool& db;
    asio::thread_pool& cpu;  // parses here
    const core::WallClock& clock;
    const LiveConfig& config;
    Metrics& metrics;
    ProgressWatchdog& progress;
    RunObserver& observer;
  };
  // jitter: a number in [0, 1) per call, spreading intervals and backoffs;
  // empty: random.
  explicit Poller(Parts parts, std::function<double()> jitter = {});

  // Polls a source this instance holds the lease of and commits the result.
  // Returns what it did, or nullopt when nothing was committed (the lease was
  // lost, the database failed: logged and counted; the source is polled again
  // when its lease expires).
  asio::awaitable<std::optional<PollReport>> poll(const store::ClaimedSource& source);

  const PollTotals& totals() const noexcept { return totals_; }
  const PollTimeSpent& time_spent() const noexcept { return time_spent_; }
  // Fetched polls waiting to be parsed or committed.
  std::size_t commits_pending() const noexcept { return commits_pending_; }

 private:
  struct ParseStep;
  asio::awaitable<PollReport> poll_and_commit(const store::ClaimedSource& source, const config::Config& config);
  asio::awaitable<ParseStep> parse(const fetch::FetchResult& result, const config::Config& config);
  core::Duration next_interval(const store::ClaimedSource& source, const feed::ParsedFeed& parsed,
                               const fetch::FetchResult& result, core::TimePoint now, const config::Config& config);
  PollOutcome count_poll(const fetch::FetchResult& result, const fetch::PollDecision& decision, bool parse_failed);
  void record(const store::ClaimedSource& source, const PollReport& report, const store::IngestReport& ingest,
              fetch::FetchError error);
  double jitter();

  Parts parts_;
  std::function<double()> jitter_;
  std::mt19937_64 rng_;
  std::shared_ptr<spdlog::logger> log_;
  FailureLog failures_;
  PollTotals totals_;
  PollTimeSpent time_spent_;
  std::size_t commits_pending_ = 0;
};

}  // namespace fcd::service
