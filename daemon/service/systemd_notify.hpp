#pragma once
// Telling systemd what the daemon is doing (sd_notify), and deciding whether
// the pipeline is making progress, which is when the watchdog may be petted.
//
// SystemdNotifier is a no-op when NOTIFY_SOCKET was unset at construction (not
// started by systemd with Type=notify). Its methods may be called from any
// thread; each sends one datagram. A failed send is logged to
// log::get("systemd") once per kind of message and reported in the result;
// the daemon goes on either way.
//
// assess_progress() is pure: timestamps the run loop records and a "now" in,
// a verdict out. ProgressWatchdog stamps those marks from the injected clock,
// so tests move time by hand.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/types.hpp"

namespace fcd::service {

enum class NotifyResult {
  kSent,      // systemd has the message
  kDisabled,  // NOTIFY_SOCKET unset: nothing to tell
  kFailed,    // the send failed (logged)
};

class SystemdNotifier {
 public:
  // Reads NOTIFY_SOCKET and the watchdog settings from the environment.
  SystemdNotifier();

  // True when NOTIFY_SOCKET was set.
  bool enabled() const noexcept { return enabled_; }

  // READY=1 with STATUS=status: start-up (or a reload) is complete.
  NotifyResult ready(std::string_view status);
  // STOPPING=1: shutdown has begun.
  NotifyResult stopping();
  // RELOADING=1 with MONOTONIC_USEC: a reload has begun; call ready() when
  // it has finished, whether the new configuration was taken or refused.
  NotifyResult reloading();
  // STATUS=line: the one-line summary `systemctl status` shows. Newlines
  // are replaced by spaces so the line cannot smuggle other assignments.
  NotifyResult status(std::string_view line);
  // WATCHDOG=1: only while ProgressWatchdog says the pipeline progresses.
  NotifyResult watchdog();

  // WatchdogSec= of the unit when it applies to this process, nullopt when
  // the watchdog is off. Pet it at least twice per interval.
  std::optional<std::chrono::microseconds> watchdog_interval() const noexcept { return watchdog_interval_; }

 private:
  NotifyResult send(const std::string& state, bool& failure_logged);

  bool enabled_ = false;
  std::optional<std::chrono::microseconds> watchdog_interval_;
  bool lifecycle_failure_logged_ = false;
  bool status_failure_logged_ = false;
  bool watchdog_failure_logged_ = false;
};

// How long each stage may go without progress before the pipeline counts as
// stuck. Each must exceed the longest legitimate pause of its stage (a poll
// waits at most fetch.total_timeout for a slot; a big ingest batch commits
// within seconds).
struct ProgressLimits {
  core::Duration loop = std::chrono::seconds{30};
  core::Duration polling = std::chrono::seconds{180};
  core::Duration ingest = std::chrono::seconds{300};
  core::Duration clustering = std::chrono::seconds{300};
};

// What the run loop records, all on its own thread, from the injected clock.
struct ProgressMarks {
  core::TimePoint last_loop_turn{};
  // Since when sources have been due without a poll starting; nullopt while
  // none is due (or every due one has started).
  std::optional<core::TimePoint> polls_due_since;
  core::TimePoint last_poll_started{};
  // Work waiting in each queue, and when its consumer last took work off it
  // (or found it empty).
  std::size_t ingest_queue_depth = 0;
  core::TimePoint last_ingest_drain{};
  std::size_t clustering_backlog = 0;
  core::TimePoint last_clustering_drain{};
};

struct ProgressVerdict {
  bool progressing = true;
  std::string reason;  // why not, in one line naming the stuck stage; empty when progressing
};

// Pure: whether the pipeline made progress by now. Not progressing when the
// loop has not turned within limits.loop; when polls have been due for longer
// than limits.polling and none started since they fell due; when a queue
// holds work and its consumer has taken none for longer than its limit. An
// idle daemon (nothing due, queues empty) is progressing.
ProgressVerdict assess_progress(const ProgressMarks& marks, core::TimePoint now, const ProgressLimits& limits);

// The run loop's recorder: stamps ProgressMarks from the clock and asks
// assess_progress(). Loop thread only.
class ProgressWatchdog {
 public:
  // clock must outlive the watchdog; every mark starts at clock.now().
  ProgressWatchdog(const core::WallClock& clock, ProgressLimits limits);

  void loop_turned();
  // due: whether any source is due and not yet started. The first call with
  // true after false starts the polls_due_since clock.
  void polls_due(bool due);
  void poll_started();
  // The depth after the consumer took a batch (or found the queue empty).
  void ingest_drained(std::size_t remaining);
  void clustering_drained(std::size_t remaining);
  // Work arrived in a queue: the depth as the producer left it. Work
  // arriving in an empty queue starts that queue's clock afresh, so a queue
  // that sat empty for an hour is not stuck the moment work arrives.
  void ingest_queued(std::size_t depth);
  void clustering_queued(std::size_t depth);

  ProgressVerdict check() const { return assess_progress(marks_, clock_.now(), limits_); }
  const ProgressMarks& marks() const noexcept { return marks_; }

 private:
  const core::WallClock& clock_;
  ProgressLimits limits_;
  ProgressMarks marks_;
};

}  // namespace fcd::service
