#pragma once
// Poll policy as pure functions: what a fetch result means for the source,
// when to poll next, when to adopt a redirect, when to pause a whole host.
// No sockets and no hidden clock: "now" and the random jitter draw (a number
// in [0, 1)) are parameters, so every rule is unit-tested deterministically.
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "core/types.hpp"
#include "fetch/types.hpp"

namespace fcd::fetch {

// Retry-After as delay-seconds or an HTTP-date (core::parse_http_date); a date
// in the past means now.
std::optional<core::TimePoint> parse_retry_after(std::string_view value, core::TimePoint now);

struct BackoffOptions {
  core::Duration base{std::chrono::minutes{5}};  // after the first error
  core::Duration cap{std::chrono::hours{24}};
  double jitter = 0.2;  // the delay grows by up to this fraction, at random
};

// Delay after error_count consecutive errors (1 = the first): base doubling
// per error, capped, then jitter01 * jitter of it added.
core::Duration backoff_delay(int error_count, const BackoffOptions& options, double jitter01);

// A permanent redirect seen but not adopted yet.
struct PendingRedirect {
  std::string url;
  core::TimePoint first_seen;
  bool operator==(const PendingRedirect&) const = default;
};

struct RedirectDecision {
  std::optional<PendingRedirect> pending;  // what to store now (nullopt: none)
  std::optional<std::string> adopt_url;    // set: move the source here, keep the old URL in history
};

// Only a chain of 301/308 hops starting at the source URL proposes a new URL
// (the target of the last permanent hop before any 302/303/307). It is
// adopted once the same target has held for grace and the fetch succeeded;
// a failed fetch leaves the pending redirect as it was.
RedirectDecision decide_redirect(const FetchResult& result, const std::optional<PendingRedirect>& pending,
                                 core::TimePoint now, core::Duration grace);

struct PollPolicy {
  BackoffOptions backoff;
  core::Duration redirect_grace{std::chrono::days{7}};
  core::Duration retry_after_default{std::chrono::hours{1}};  // 429 without a usable Retry-After
  core::Duration retry_after_max{std::chrono::days{7}};       // a server cannot park us longer
  double interval_jitter = 0.1;  // regular polls drift later by up to this fraction
};

// What the store keeps about a source between polls, as far as policy needs.
struct SourcePollState {
  int error_count = 0;  // consecutive failed polls
  core::Duration interval{std::chrono::hours{1}};  // regular interval (adaptive_interval)
  std::optional<PendingRedirect> pending_redirect;
};

enum class PollAction {
  kParse,        // 2xx with a new body: parse it
  kNotModified,  // 304: nothing to do
  kUnchanged,    // 2xx but the body hash did not change: skip parsing
  kRetryLater,   // an error; next_poll_at has the backoff
  kRateLimited,  // 429: the host asked us to wait (also feed HostPauseTracker)
  kDisable,      // 410 Gone: stop polling this source
};

std::string_view to_string(PollAction action);

struct PollDecision {
  PollAction action = PollAction::kRetryLater;
  core::TimePoint next_poll_at;
  int error_count = 0;
  std::string error;  // empty on success: what went wrong, for last_error
  RedirectDecision redirect;
};

// The verdict on one fetch. For kParse the caller may replace next_poll_at
// once the parsed items give a better interval (adaptive_interval).
PollDecision decide_poll(const FetchResult& result, const SourcePollState& state, core::TimePoint now,
                         const PollPolicy& policy, double jitter01);

struct IntervalOptions {
  core::Duration min{std::chrono::minutes{10}};
  core::Duration max{std::chrono::hours{24}};
  core::Duration max_hint{std::chrono::days{7}};  // ttl etc. beyond this are ignored as bogus
  double jitter = 0.1;
  std::size_t sample = 20;  // newest items considered
};

// What the feed itself asks for: RSS <ttl>, sy:updatePeriod/Frequency, and
// the response's Cache-Control max-age. The interval is never shorter.
struct FeedHints {
  std::optional<core::Duration> ttl;
  std::optional<core::Duration> update_period;
  std::optional<core::Duration> max_age;
};

// Half the mean gap between the newest items (so a new item waits half a gap
// on average), longer when the feed has gone quiet for longer than its usual
// gap, clamped to [min, max], raised to the feed's hints (not past max), then
// drawn up to jitter later; never past max: a draw that would pass it lands
// as far below max. No dated items: max.
core::Duration adaptive_interval(std::span<const core::TimePoint> item_times, core::TimePoint now,
                                 const FeedHints& hints, const IntervalOptions& options, double jitter01);

struct HostPauseOptions {
  std::size_t min_sources = 3;  // distinct sources of one host answering 429...
  core::Duration window{std::chrono::minutes{10}};  // ...within this window
};

// Pauses a whole host only when several of its sources are rate limited, so
// one bad route does not stall the host's other feeds. Not thread-safe.
class HostPauseTracker {
 public:
  explicit HostPauseTracker(HostPauseOptions options = {});

  // Records a 429 (or 503 with Retry-After) for source on host, asking to
  // wait until retry_at. Returns the host-wide pause end when one applies now.
  std::optional<core::TimePoint> record_rate_limited(std::string_view host, core::SourceId source,
                                                     core::TimePoint now, core::TimePoint retry_at);
  // A successful poll of source: it no longer counts towards a pause.
  void record_success(std::string_view host, core::SourceId source);
  // The end of the host-wide pause, when one is running at now.
  std::optional<core::TimePoint> paused_until(std::string_view host, core::TimePoint now) const;

 private:
  struct Hit {
    core::TimePoint at;
    core::TimePoint retry_at;
  };
  struct HostState {
    std::map<core::SourceId, Hit> hits;
    std::optional<core::TimePoint> paused_until;
  };
  HostPauseOptions options_;
  std::map<std::string, HostState, std::less<>> hosts_;
};

}  // namespace fcd::fetch
