#include "service/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fmt/format.h>

#include "log/log.hpp"

namespace fcd::service {

namespace {

std::string one_line(std::string_view text) {
  std::string line{text};
  std::replace_if(line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return line;
}

std::chrono::microseconds monotonic_now() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return std::chrono::seconds{now.tv_sec} + std::chrono::microseconds{now.tv_nsec / 1000};
}

}  // namespace

SystemdNotifier::SystemdNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && *socket != '\0';
  std::uint64_t usec = 0;
  // > 0: WATCHDOG_USEC is set and WATCHDOG_PID (if any) names this process.
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) watchdog_interval_ = std::chrono::microseconds{usec};
}

NotifyResult SystemdNotifier::send(const std::string& state, bool& failure_logged) {
  if (!enabled_) return NotifyResult::kDisabled;
  const int result = sd_notify(0, state.c_str());
  if (result > 0) {
    failure_logged = false;
    return NotifyResult::kSent;
  }
  // 0 means libsystemd found no socket after all (the variable went away).
  if (result == 0) return NotifyResult::kDisabled;
  if (!failure_logged) {
    // Logged once per kind until a send succeeds again: a watchdog ping every
    // few seconds must not flood the log with the same error.
    log::get("systemd")->warn("sd_notify({}) failed: {}", state.substr(0, state.find('\n')), std::strerror(-result));
    failure_logged = true;
  }
  return NotifyResult::kFailed;
}

NotifyResult SystemdNotifier::ready(std::string_view status) {
  return send("READY=1\nSTATUS=" + one_line(status), lifecycle_failure_logged_);
}

NotifyResult SystemdNotifier::stopping() { return send("STOPPING=1", lifecycle_failure_logged_); }

NotifyResult SystemdNotifier::reloading() {
  return send(fmt::format("RELOADING=1\nMONOTONIC_USEC={}", monotonic_now().count()), lifecycle_failure_logged_);
}

NotifyResult SystemdNotifier::status(std::string_view line) {
  return send("STATUS=" + one_line(line), status_failure_logged_);
}

NotifyResult SystemdNotifier::watchdog() { return send("WATCHDOG=1", watchdog_failure_logged_); }

ProgressVerdict assess_progress(const ProgressMarks& marks, core::TimePoint now, const ProgressLimits& limits) {
  const auto stuck = [](std::string_view what, core::Duration for_how_long) {
    return ProgressVerdict{false, fmt::format("{} for {}s", what, for_how_long.count())};
  };
  if (const core::Duration idle = now - marks.last_loop_turn; idle > limits.loop)
    return stuck("event loop has not turned", idle);
  if (marks.polls_due_since) {
    const core::Duration waiting = now - std::max(*marks.polls_due_since, marks.last_poll_started);
    if (waiting > limits.polling) return stuck("sources are due but no poll has started", waiting);
  }
  if (const core::Duration idle = now - marks.last_ingest_drain; marks.ingest_queue_depth > 0 && idle > limits.ingest)
    return stuck(fmt::format("ingest queue holds {} and has not moved", marks.ingest_queue_depth), idle);
  if (const core::Duration idle = now - marks.last_clustering_drain;
      marks.clustering_backlog > 0 && idle > limits.clustering)
    return stuck(fmt::format("clustering backlog holds {} and has not moved", marks.clustering_backlog), idle);
  return {};
}

ProgressWatchdog::ProgressWatchdog(const core::WallClock& clock, ProgressLimits limits)
    : clock_(clock), limits_(limits) {
  const core::TimePoint now = clock_.now();
  marks_.last_loop_turn = now;
  marks_.last_poll_started = now;
  marks_.last_ingest_drain = now;
  marks_.last_clustering_drain = now;
}

void ProgressWatchdog::loop_turned() { marks_.last_loop_turn = clock_.now(); }

void ProgressWatchdog::polls_due(bool due) {
  if (!due) marks_.polls_due_since.reset();
  else if (!marks_.polls_due_since) marks_.polls_due_since = clock_.now();
}

void ProgressWatchdog::poll_started() { marks_.last_poll_started = clock_.now(); }

void ProgressWatchdog::ingest_drained(std::size_t remaining) {
  marks_.ingest_queue_depth = remaining;
  marks_.last_ingest_drain = clock_.now();
}

void ProgressWatchdog::clustering_drained(std::size_t remaining) {
  marks_.clustering_backlog = remaining;
  marks_.last_clustering_drain = clock_.now();
}

void ProgressWatchdog::ingest_queued(std::size_t depth) {
  if (marks_.ingest_queue_depth == 0 && depth > 0) marks_.last_ingest_drain = clock_.now();
  marks_.ingest_queue_depth = depth;
}

void ProgressWatchdog::clustering_queued(std::size_t depth) {
  if (marks_.clustering_backlog == 0 && depth > 0) marks_.last_clustering_drain = clock_.now();
  marks_.clustering_backlog = depth;
}

}  // namespace fcd::service
