#include "fetch/policy.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "core/ascii.hpp"
#include "core/time.hpp"

namespace fcd::fetch {

namespace {

using std::chrono::seconds;

core::Duration scale(core::Duration d, double factor) {
  return core::Duration{static_cast<core::Duration::rep>(std::llround(static_cast<double>(d.count()) * factor))};
}

core::Duration jittered_up(core::Duration d, double jitter, double jitter01) {
  return d + scale(d, std::clamp(jitter, 0.0, 1.0) * std::clamp(jitter01, 0.0, 1.0));
}

}  // namespace

std::optional<core::TimePoint> parse_retry_after(std::string_view value, core::TimePoint now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (core::is_ascii_digit(value.front())) {
    long long delay = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), delay);
    if (ec != std::errc{} || end != value.data() + value.size()) return std::nullopt;
    return now + seconds{std::min<long long>(delay, 10LL * 365 * 86400)};
  }
  const auto date = core::parse_http_date(value);
  if (!date) return std::nullopt;
  return std::max(*date, now);
}

core::Duration backoff_delay(int error_count, const BackoffOptions& options, double jitter01) {
  core::Duration delay = options.base;
  for (int i = 1; i < error_count && delay < options.cap; ++i) delay *= 2;
  return jittered_up(std::min(delay, options.cap), options.jitter, jitter01);
}

RedirectDecision decide_redirect(const FetchResult& result, const std::optional<PendingRedirect>& pending,
                                 core::TimePoint now, core::Duration grace) {
  if (result.status == 0) return {pending, std::nullopt};  // no answer: nothing learned
  std::optional<std::string> candidate;
  for (const RedirectHop& hop : result.redirects) {
    if (!hop.permanent()) break;
    candidate = hop.to;
  }
  if (!candidate) return {};
  const bool reached = result.success() || result.not_modified();
  if (pending && pending->url == *candidate) {
    if (reached && now - pending->first_seen >= grace) return {std::nullopt, candidate};
    return {pending, std::nullopt};
  }
  return {PendingRedirect{*candidate, now}, std::nullopt};
}

std::string_view to_string(PollAction action) {
  switch (action) {
    case PollAction::kParse: return "parse";
    case PollAction::kNotModified: return "not_modified";
    case PollAction::kUnchanged: return "unchanged";
    case PollAction::kRetryLater: return "retry_later";
    case PollAction::kRateLimited: return "rate_limited";
    case PollAction::kDisable: return "disable";
  }
  return "unknown";
}

PollDecision decide_poll(const FetchResult& result, const SourcePollState& state, core::TimePoint now,
                         const PollPolicy& policy, double jitter01) {
  PollDecision decision;
  decision.redirect = decide_redirect(result, state.pending_redirect, now, policy.redirect_grace);
  core::Duration regular = state.interval;
  if (result.max_age) regular = std::max(regular, std::min(*result.max_age, policy.retry_after_max));
  const auto fail = [&](PollAction action, std::string error) {
    decision.action = action;
    decision.error_count = state.error_count + 1;
    decision.error = std::move(error);
    decision.next_poll_at = now + backoff_delay(decision.error_count, policy.backoff, jitter01);
  };

  if (result.error == FetchError::kCancelled) {
    decision.action = PollAction::kRetryLater;
    decision.error_count = state.error_count;
    decision.error = result.error_message;
    decision.next_poll_at = now;
    return decision;
  }
  if (!result.ok()) {
    fail(PollAction::kRetryLater, std::string{to_string(result.error)} + ": " + result.error_message);
    return decision;
  }
  const int status = result.status;
  if (status == 304 || (status >= 200 && status < 300)) {
    decision.action = status == 304 ? PollAction::kNotModified
                                    : (result.body_unchanged ? PollAction::kUnchanged : PollAction::kParse);
    decision.error_count = 0;
    decision.next_poll_at = now + jittered_up(regular, policy.interval_jitter, jitter01);
    return decision;
  }
  if (status == 410) {
    decision.action = PollAction::kDisable;
    decision.error_count = state.error_count + 1;
    decision.error = "HTTP 410 Gone: source disabled";
    decision.next_poll_at = now;
    return decision;
  }
  const std::string http_error = "HTTP " + std::to_string(status);
  if (status == 429 || status == 503) {
    fail(status == 429 ? PollAction::kRateLimited : PollAction::kRetryLater, http_error);
    auto retry_at = parse_retry_after(result.retry_after, now);
    if (!retry_at && status == 429) retry_at = now + policy.retry_after_default;
    if (retry_at) {
      decision.next_poll_at = std::min(*retry_at, now + policy.retry_after_max);
      decision.error += " (Retry-After " + result.retry_after + ")";
    }
    return decision;
  }
  fail(PollAction::kRetryLater, http_error);
  return decision;
}

core::Duration adaptive_interval(std::span<const core::TimePoint> item_times, core::TimePoint now,
                                 const FeedHints& hints, const IntervalOptions& options, double jitter01) {
  std::vector<core::TimePoint> times;
  for (core::TimePoint t : item_times)
    if (t <= now) times.push_back(t);  // future-dated items say nothing about the rate
  std::sort(times.begin(), times.end(), std::greater<>{});
  times.erase(std::unique(times.begin(), times.end()), times.end());
  if (times.size() > options.sample) times.resize(options.sample);

  core::Duration interval = options.max;
  if (times.size() >= 2) {
    const auto mean_gap = (times.front() - times.back()) / static_cast<long long>(times.size() - 1);
    interval = mean_gap / 2;
    const auto quiet = now - times.front();
    if (quiet > mean_gap) interval = std::max(interval, quiet / 2);
  }
  const core::Duration cap = std::max(options.min, options.max);
  interval = std::clamp(interval, options.min, cap);
  for (const auto& hint : {hints.ttl, hints.update_period, hints.max_age})
    if (hint && *hint <= options.max_hint) interval = std::clamp(*hint, interval, cap);
  // The operator's max holds against the jitter too (24 h had become up to
  // 26.4 h): a draw that would pass it goes as far below the cap instead, so
  // intervals at the cap still spread.
  const core::Duration later = jittered_up(interval, options.jitter, jitter01);
  return later <= cap ? later : cap - (later - interval);
}

HostPauseTracker::HostPauseTracker(HostPauseOptions options) : options_(options) {}

std::optional<core::TimePoint> HostPauseTracker::record_rate_limited(std::string_view host, core::SourceId source,
                                                                     core::TimePoint now, core::TimePoint retry_at) {
  auto it = hosts_.find(host);
  if (it == hosts_.end()) it = hosts_.emplace(std::string{host}, HostState{}).first;
  HostState& state = it->second;
  state.hits[source] = Hit{now, retry_at};
  std::erase_if(state.hits, [&](const auto& entry) { return now - entry.second.at > options_.window; });
  if (state.hits.size() < std::max<std::size_t>(2, options_.min_sources)) return paused_until(host, now);
  // Several sources agree: pause the host until the earliest of their
  // Retry-After times, the most a server has proven it wants.
  core::TimePoint until = retry_at;
  for (const auto& [id, hit] : state.hits) until = std::min(until, hit.retry_at);
  state.paused_until = std::max(state.paused_until.value_or(until), until);
  return paused_until(host, now);
}

void HostPauseTracker::record_success(std::string_view host, core::SourceId source) {
  auto it = hosts_.find(host);
  if (it == hosts_.end()) return;
  it->second.hits.erase(source);
  if (it->second.hits.empty() && !it->second.paused_until) hosts_.erase(it);
}

std::optional<core::TimePoint> HostPauseTracker::paused_until(std::string_view host, core::TimePoint now) const {
  auto it = hosts_.find(host);
  if (it == hosts_.end() || !it->second.paused_until || *it->second.paused_until <= now) return std::nullopt;
  return it->second.paused_until;
}

}  // namespace fcd::fetch
