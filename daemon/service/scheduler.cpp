#include "service/scheduler.hpp"

#include <algorithm>

#include "core/time.hpp"
#include "fetch/url.hpp"
#include "store/store.hpp"

namespace fcd::service {

namespace {

using namespace std::chrono_literals;

std::string host_of(const std::string& url) {
  auto parts = fetch::split_url(url);
  return parts ? std::move(parts->host) : std::string{};
}

}  // namespace

std::optional<std::string> HeldElsewhereReport::note(const std::vector<store::HeldLease>& held) {
  std::vector<core::SourceId> ids;
  for (const auto& lease : held) ids.push_back(lease.source);
  std::sort(ids.begin(), ids.end());
  if (ids == last_) return std::nullopt;
  last_ = std::move(ids);
  if (held.empty()) return "no source is held by another live instance any more";
  std::string names;
  for (std::size_t i = 0; i < held.size() && i < kNamed; ++i)
    names += fmt::format("{}{} ({} until {})", i == 0 ? "" : ", ", held[i].url, held[i].owner,
                         core::format_rfc3339(held[i].expires_at));
  if (held.size() > kNamed) names += fmt::format(" and {} more", held.size() - kNamed);
  return fmt::format("{} source(s) not polled here while another live instance holds their leases: {}", held.size(),
                     names);
}

Scheduler::Scheduler(Parts parts, std::size_t capacity)
    : parts_(parts), capacity_(capacity), log_(log::get("service")), wake_(parts.io) {}

void Scheduler::stop() {
  stopping_ = true;
  wake_.cancel();
}

asio::awaitable<bool> Scheduler::poll_only(std::string url) {
  const auto now = parts_.clock.now();
  const auto lease = parts_.config.get()->polling.lease_duration;
  auto claimed = co_await parts_.db.run([&url, now, lease](store::Store& db) { return db.claim_source(url, now, lease); });
  if (!claimed) {
    log::event(*log_, spdlog::level::err, {{"source", url}},
               "source {}: not polled: unknown, disabled, or leased by another instance", url);
    co_return false;
  }
  ++in_flight_;
  co_await poll_source(std::move(*claimed));
  co_return true;
}

asio::awaitable<void> Scheduler::run(bool once) {
  int database_failures = 0;
  while (!stopping_) {
    const auto config = parts_.config.get();
    const auto limit = static_cast<std::size_t>(config->polling.claim_batch);
    std::size_t claimed_count = 0;
    if (in_flight_ < capacity_) {
      const auto now = parts_.clock.now();
      const auto lease = config->polling.lease_duration;
      const auto want = std::min(limit, capacity_ - in_flight_);
      std::optional<std::chrono::milliseconds> retry_after;
      try {
        auto claimed =
            co_await parts_.db.run([now, lease, want](store::Store& db) { return db.claim_due_sources(now, lease, want); });
        if (database_failures > 0) log_->info("database reachable again; scheduling resumes");
        database_failures = 0;
        database_ok_ = true;
        parts_.metrics.database_up.set(1);
        if (!once && now >= next_held_check_) co_await report_held_elsewhere();
        claimed_count = claimed.size();
        parts_.progress.polls_due(!claimed.empty());
        for (auto& source : claimed) {
          ++in_flight_;
          parts_.progress.poll_started();
          asio::co_spawn(parts_.io, poll_source(std::move(source)), asio::detached);
        }
      } catch (const store::StoreError& e) {
        retry_after = store::next_backoff(database_failures);
        database_ok_ = false;
        database_error_ = e.what();
        parts_.metrics.database_up.set(0);
        parts_.metrics.database_errors.inc();
        if (database_failures++ == 0)
          log_->error("cannot claim sources: {}; retrying with backoff, no new polls until the database answers",
                      e.what());
      }
      if (retry_after) {
        co_await sleep_for(wake_, *retry_after);
        continue;
      }
    }
    parts_.progress.loop_turned();
    parts_.metrics.leases_held.set(static_cast<double>(in_flight_));
    if (once && claimed_count == 0 && in_flight_ == 0) break;
    if (claimed_count == limit) continue;  // more may be due right now
    co_await sleep_for(wake_, once ? 200ms : 1s);
  }
  while (in_flight_ > 0) co_await sleep_for(wake_, 1s);
}

asio::awaitable<void> Scheduler::poll_source(store::ClaimedSource source) {
  const auto host = host_of(source.url);
  if (const auto paused = host_pauses_.paused_until(host, parts_.clock.now())) {
    try {
      co_await defer(source, *paused);
    } catch (const store::StoreError& e) {
      parts_.metrics.database_errors.inc();
      log::event(*log_, spdlog::level::err, {{"source", source.url}, {"error", e.what()}},
                 "source {}: could not defer it: {}; it is polled again when its lease expires", source.url,
                 e.what());
    }
  } else if (const auto report = co_await parts_.poller.poll(source)) {
    note_rate_limit(host, *report);
  }
  --in_flight_;
  wake_.cancel();
}

// Another live instance's leases keep those sources from this one's claims;
// the log says so when the set changes (not every check).
asio::awaitable<void> Scheduler::report_held_elsewhere() {
  const auto now = parts_.clock.now();
  next_held_check_ = now + kHeldElsewhereCheckEvery;
  std::vector<store::HeldLease> held;
  try {
    held = co_await parts_.db.run([now](store::Store& db) { return db.leases_held_elsewhere(now); });
  } catch (const store::StoreError& e) {
    parts_.metrics.database_errors.inc();
    log_->warn("could not list the sources other instances hold: {}; tried again in {}", e.what(),
               core::format_duration(kHeldElsewhereCheckEvery));
    co_return;
  }
  if (const auto line = held_elsewhere_.note(held))
    log::event(*log_, spdlog::level::info, {{"held_elsewhere", static_cast<std::int64_t>(held.size())}}, "{}", *line);
}

// A source of a paused host goes back unpolled, due when the pause ends.
asio::awaitable<void> Scheduler::defer(const store::ClaimedSource& source, core::TimePoint until) {
  if (!co_await parts_.db.run([&source, until](store::Store& db) { return db.defer_poll(source.id, until); })) {
    log::event(*log_, spdlog::level::warn, {{"source", source.url}},
               "source {}: lease lost before it could be deferred; whoever holds it now polls it", source.url);
    co_return;
  }
  log_->debug("source {}: its host is paused; not polled until {}", source.url, core::format_rfc3339(until));
  parts_.observer.deferred(source.url, until);
}

// A 429, or a 503 with a usable Retry-After, counts towards pausing the
// source's whole host; the pause starts when several of its sources agree
// (HostPauseTracker), so one bad route does not stall the host's other feeds.
void Scheduler::note_rate_limit(const std::string& host, const PollReport& report) {
  if (host.empty()) return;
  if (report.answered) {
    host_pauses_.record_success(host, report.source);
    return;
  }
  if (!report.rate_limited) return;
  const auto now = parts_.clock.now();
  const auto before = host_pauses_.paused_until(host, now);
  const auto until = host_pauses_.record_rate_limited(host, report.source, now, report.next_poll_at);
  if (until && until != before) {
    const auto next_try = core::format_rfc3339(*until);
    log::event(*log_, spdlog::level::warn, {{"source", report.url}, {"host", host}, {"next_try", next_try}},
               "source {}: host {} rate limits several of its sources; none of them is polled until {}", report.url,
               host, next_try);
  }
}

}  // namespace fcd::service
