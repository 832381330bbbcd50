#pragma once
// What the run reports as it goes, for whoever wants to show it: the daemon
// logs and counts by itself; `poll-once` prints one line per poll and a
// summary through a RunObserver of its own. The base class ignores every
// event. Calls come from the event loop's thread, one at a time.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/types.hpp"
#include "fetch/policy.hpp"
#include "service/metrics.hpp"
#include "store/types.hpp"

namespace fcd::service {

// One poll that reached the database (its source's state was committed).
struct PollReport {
  core::SourceId source = 0;
  std::string url;
  int status = 0;  // HTTP status of the last response; 0 when none came
  fetch::PollAction action = fetch::PollAction::kRetryLater;
  PollOutcome outcome = PollOutcome::kOk;
  std::string error;    // empty when the poll succeeded
  int error_count = 0;  // failures in a row, this one included
  core::TimePoint next_poll_at{};
  std::int64_t inserted = 0, updated = 0, unchanged = 0;
  // For the host pauses: the server answered (2xx or 304), or it asked us to
  // wait (429, or 503 with a usable Retry-After).
  bool answered = false;
  bool rate_limited = false;
};

// The clusterer's catch-up at the end of a --once run.
struct CatchUpReport {
  std::size_t clustered = 0;
  std::int64_t waiting = 0;    // left for the clusterer
  std::size_t set_aside = 0;   // set aside in this run
};

// Totals of the whole run, when it ends.
struct RunSummary {
  std::uint64_t polls = 0, errors = 0, items_new = 0, items_updated = 0, articles_clustered = 0;
  std::string poll_time;     // where poll time went, summed over polls
  std::string cluster_time;  // empty when the clusterer is off
};

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void polled(const PollReport&) {}
  // The source was not polled: its host is paused until then.
  virtual void deferred(const std::string& /*url*/, core::TimePoint /*until*/) {}
  virtual void caught_up(const CatchUpReport&) {}
  virtual void finished(const RunSummary&) {}
};

}  // namespace fcd::service
