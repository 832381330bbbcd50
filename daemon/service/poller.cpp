#include "service/poller.hpp"

#include "core/time.hpp"
#include "feed/feed.hpp"
#include "fetch/policy.hpp"
#include "service/mapping.hpp"

namespace fcd::service {

FailureLog::Event FailureLog::note(core::SourceId source, const std::string& reason, int errors_before,
                                   core::TimePoint now) {
  auto it = failing_.find(source);
  if (reason.empty()) {
    const bool was_failing = it != failing_.end() || errors_before > 0;
    if (it != failing_.end()) failing_.erase(it);
    return was_failing ? Event::kRecovered : Event::kNone;
  }
  if (it == failing_.end()) {
    failing_.emplace(source, Failing{reason, now});
    return errors_before == 0 ? Event::kStarted : Event::kStillFailing;
  }
  if (it->second.reason != reason) {
    it->second = Failing{reason, now};
    return Event::kChanged;
  }
  if (now - it->second.logged_at >= kRepeatEvery) {
    it->second.logged_at = now;
    return Event::kStillFailing;
  }
  return Event::kNone;
}

std::string failure_reason(const PollReport& report, fetch::FetchError error) {
  if (report.error.empty()) return {};
  if (error != fetch::FetchError::kNone) return std::string{fetch::to_string(error)};
  if (report.outcome != PollOutcome::kParseError) return "HTTP " + std::to_string(report.status);
  // "HTML page, not a feed; it links to ...", "feed broken before its first item: <libxml2's words>"
  return report.error.substr(0, report.error.find_first_of(":;"));
}

std::string PollTimeSpent::line() const {
  const auto s = [](auto d) { return std::chrono::duration<double>(d).count(); };
  return fmt::format("queued for a fetch slot {:.1f} s, fetch {:.1f} s, parse {:.1f} s, store {:.1f} s", s(queued),
                     s(fetch), s(parse), s(store));
}

struct Poller::ParseStep {
  feed::ParsedFeed feed;
  std::string not_a_feed;  // last_error when feed.is_feed is false
  std::chrono::steady_clock::duration duration{};
};

Poller::Poller(Parts parts, std::function<double()> jitter)
    : parts_(parts), jitter_(std::move(jitter)), rng_(std::random_device{}()), log_(log::get("service")) {}

double Poller::jitter() {
  return jitter_ ? jitter_() : std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

asio::awaitable<std::optional<PollReport>> Poller::poll(const store::ClaimedSource& source) {
  // This poll reads one configuration from start to end, whatever a reload does meanwhile.
  const auto config = parts_.config.get();
  try {
    co_return co_await poll_and_commit(source, *config);
  } catch (const store::LeaseLostError& e) {
    log::event(*log_, spdlog::level::warn, {{"source", source.url}, {"error", e.what()}},
               "source {}: lease lost before commit ({}); another instance polls it now", source.url, e.what());
  } catch (const store::StoreError& e) {
    parts_.metrics.database_errors.inc();
    log::event(*log_, spdlog::level::err, {{"source", source.url}, {"error", e.what()}},
               "source {}: could not store the poll: {}; it is polled again when its lease expires", source.url,
               e.what());
  } catch (const std::exception& e) {
    log::event(*log_, spdlog::level::err, {{"source", source.url}, {"error", e.what()}},
               "source {}: poll failed: {}; it is polled again when its lease expires", source.url, e.what());
  }
  co_return std::nullopt;
}

asio::awaitable<PollReport> Poller::poll_and_commit(const store::ClaimedSource& source, const config::Config& config) {
  const auto result = co_await parts_.fetcher.fetch(fetch_request(source));
  const auto now = parts_.clock.now();
  time_spent_.queued += result.timings.queued;
  time_spent_.fetch += result.timings.total;
  const auto policy = poll_policy(config);
  auto decision = fetch::decide_poll(result, poll_state(source, config.polling.default_interval), now, policy, jitter());

  // kUnchanged (same body hash) and kNotModified skip parsing: the commit
  // below then stores nothing but the fetch state.
  std::vector<store::ArticleInput> items;
  ParseStep parsed;
  const feed::ParsedFeed* parsed_feed = nullptr;  // set when the body was read as a feed
  if (decision.action == fetch::PollAction::kParse) {
    parsed = co_await parse(result, config);
    time_spent_.parse += parsed.duration;
    // A feed whose document broke before its first item (an entity bomb
    // stopped by libxml2, a truncated file) yielded nothing: an error to
    // record and back off from, not an empty feed.
    const bool broken_empty = parsed.feed.is_feed && parsed.feed.bozo && parsed.feed.entries.empty();
    if (!parsed.feed.is_feed || broken_empty) {
      decision.error_count = source.error_count + 1;
      decision.error = broken_empty ? "feed broken before its first item: " + parsed.feed.bozo_message
                                    : std::move(parsed.not_a_feed);
      decision.next_poll_at = now + fetch::backoff_delay(decision.error_count, policy.backoff, jitter());
    } else {
      parsed_feed = &parsed.feed;
      items = articles_from_feed(parsed.feed);
      decision.next_poll_at = now + next_interval(source, parsed.feed, result, now, config);
    }
  }
  const auto outcome = fetch_outcome(result, decision, parsed_feed);
  const bool parse_failed = decision.action == fetch::PollAction::kParse && parsed_feed == nullptr;
  // One count per document the parser had trouble with, so it always equals
  // polls_total{outcome="parse_error"} plus the feeds parsed with recovered errors.
  if (parse_failed || (parsed_feed && parsed_feed->bozo)) parts_.metrics.parse_errors.inc();
  PollReport report;
  report.source = source.id;
  report.url = source.url;
  report.status = result.status;
  report.action = decision.action;
  report.outcome = count_poll(result, decision, parse_failed);
  report.error = decision.error;
  report.error_count = decision.error_count;
  report.next_poll_at = decision.next_poll_at;
  report.answered = result.success() || result.not_modified();
  report.rate_limited = decision.action == fetch::PollAction::kRateLimited ||
                        (result.ok() && result.status == 503 && fetch::parse_retry_after(result.retry_after, now));

  parts_.progress.ingest_queued(++commits_pending_);
  const auto commit_started = std::chrono::steady_clock::now();
  struct PendingCommit {
    Poller& self;
    ~PendingCommit() { self.parts_.progress.ingest_drained(--self.commits_pending_); }
  } pending_commit{*this};
  const auto ingest = co_await parts_.db.run(
      [&source, &items, &outcome, now](store::Store& db) { return db.commit_poll(source.id, items, outcome, now); });
  const auto commit_took = std::chrono::steady_clock::now() - commit_started;
  time_spent_.store += commit_took;
  parts_.metrics.ingest_latency.observe(std::chrono::duration<double>(commit_took).count());
  report.inserted = ingest.inserted;
  report.updated = ingest.updated;
  report.unchanged = ingest.unchanged;
  record(source, report, ingest, result.error);
  if (outcome.new_url)
    log_->info("source {}: permanent redirect to {} held for {}; the source moves there (old URL kept in its "
               "history)",
               source.url, *outcome.new_url, core::format_duration(policy.redirect_grace));
  for (const auto& item : items)
    if (item.published_at && *item.published_at <= now)
      parts_.metrics.publish_to_seen_lag.observe(static_cast<double>((now - *item.published_at).count()));
  parts_.observer.polled(report);
  co_return report;
}

// Parses on the CPU pool; what a non-feed is (and the feeds an HTML page
// links) is worked out there too, off the network thread.
asio::awaitable<Poller::ParseStep> Poller::parse(const fetch::FetchResult& result, const config::Config& config) {
  feed::ParseOptions options;
  options.base_url = result.final_url;
  options.content_type = result.content_type;
  options.now = parts_.clock.now();
  options.limits = parse_limits(config);
  co_return co_await asio::co_spawn(
      parts_.cpu,
      [&result, &options]() -> asio::awaitable<ParseStep> {
        const auto started = std::chrono::steady_clock::now();
        ParseStep step{feed::parse_feed(result.body, options), {}, {}};
        if (!step.feed.is_feed) step.not_a_feed = not_a_feed_error(result, step.feed);
        step.duration = std::chrono::steady_clock::now() - started;
        co_return step;
      },
      asio::use_awaitable);
}

core::Duration Poller::next_interval(const store::ClaimedSource& source, const feed::ParsedFeed& parsed,
                                     const fetch::FetchResult& result, core::TimePoint now,
                                     const config::Config& config) {
  if (source.interval) return *source.interval;
  std::vector<core::TimePoint> times;
  for (const auto& entry : parsed.entries)
    if (entry.published) times.push_back(*entry.published);
  fetch::FeedHints hints;
  hints.ttl = parsed.update_interval;
  if (result.max_age) hints.max_age = core::Duration{result.max_age->count()};
  fetch::IntervalOptions options;
  options.min = config.polling.min_interval;
  options.max = config.polling.max_interval;
  return fetch::adaptive_interval(times, now, hints, options, jitter());
}

PollOutcome Poller::count_poll(const fetch::FetchResult& result, const fetch::PollDecision& decision,
                               bool parse_failed) {
  auto& metrics = parts_.metrics;
  metrics.poll_duration.observe(std::chrono::duration<double>(result.timings.total).count());
  metrics.fetched_bytes.inc(result.bytes_on_wire);
  PollOutcome outcome = PollOutcome::kOk;
  switch (decision.action) {
    case fetch::PollAction::kParse: outcome = parse_failed ? PollOutcome::kParseError : PollOutcome::kOk; break;
    case fetch::PollAction::kNotModified:
      outcome = PollOutcome::kNotModified;
      metrics.conditional_get_hits.inc();
      break;
    case fetch::PollAction::kUnchanged: outcome = PollOutcome::kUnchanged; break;
    case fetch::PollAction::kRateLimited: outcome = PollOutcome::kThrottled; break;
    case fetch::PollAction::kDisable: outcome = PollOutcome::kGone; break;
    case fetch::PollAction::kRetryLater:
      outcome = result.ok() ? PollOutcome::kHttpError : PollOutcome::kNetworkError;
      break;
  }
  metrics.poll(outcome).inc();
  return outcome;
}

void Poller::record(const store::ClaimedSource& source, const PollReport& report, const store::IngestReport& ingest,
                    fetch::FetchError error) {
  auto& metrics = parts_.metrics;
  ++totals_.polls;
  totals_.items_new += static_cast<std::uint64_t>(ingest.inserted);
  totals_.items_updated += static_cast<std::uint64_t>(ingest.updated);
  metrics.item(ItemResult::kNew).inc(static_cast<std::uint64_t>(ingest.inserted));
  metrics.item(ItemResult::kUpdated).inc(static_cast<std::uint64_t>(ingest.updated));
  metrics.item(ItemResult::kUnchanged).inc(static_cast<std::uint64_t>(ingest.unchanged));
  metrics.identity_drifts.inc(ingest.drifts.size());
  for (const auto& drift : ingest.drifts)
    log_->warn("source {}: identity drift: item {} now arrives as {}; stored as an update of article {}", source.url,
               drift.old_guid, drift.new_guid, drift.article_id);
  if (!report.error.empty()) ++totals_.errors;

  const auto next_try = core::format_rfc3339(report.next_poll_at);
  if (error == fetch::FetchError::kCancelled) {
    log_->debug("source {}: poll cancelled by the shutdown; due again at once", source.url);
    return;
  }
  if (report.action == fetch::PollAction::kDisable) {
    failures_.note(source.id, {}, 0, parts_.clock.now());
    log::event(*log_, spdlog::level::warn,
               {{"source", source.url}, {"status", static_cast<std::int64_t>(report.status)}, {"error", report.error}},
               "source {}: {}; it is not polled again until enabled (feedclusterd sources enable)", source.url,
               report.error);
    return;
  }
  const auto status = static_cast<std::int64_t>(report.status);
  const auto failures = static_cast<std::int64_t>(report.error_count);
  using spdlog::level::warn;
  const auto event = failures_.note(source.id, failure_reason(report, error), source.error_count, parts_.clock.now());
  switch (event) {
    case FailureLog::Event::kStarted:
      log::event(*log_, warn,
                 {{"source", source.url}, {"status", status}, {"error", report.error}, {"next_try", next_try}},
                 "source {}: failing: {}; next try {}", source.url, report.error, next_try);
      break;
    case FailureLog::Event::kChanged:
    case FailureLog::Event::kStillFailing:
      log::event(*log_, warn,
                 {{"source", source.url},
                  {"status", status},
                  {"error", report.error},
                  {"next_try", next_try},
                  {"failures", failures}},
                 "source {}: {}: {}; next try {} ({} failures in a row)", source.url,
                 event == FailureLog::Event::kChanged ? "failing differently now" : "still failing", report.error,
                 next_try, report.error_count);
      break;
    case FailureLog::Event::kRecovered:
      log::event(*log_, spdlog::level::info,
                 {{"source", source.url},
                  {"status", status},
                  {"failures", static_cast<std::int64_t>(source.error_count)},
                  {"next_try", next_try}},
                 "source {}: recovered after {} failed poll(s): {} {}, {} new, {} updated", source.url,
                 source.error_count, report.status, fetch::to_string(report.action), report.inserted,
                 report.updated);
      break;
    case FailureLog::Event::kNone:
      log::event(*log_, spdlog::level::debug,
                 {{"source", source.url},
                  {"status", status},
                  {"new", report.inserted},
                  {"updated", report.updated},
                  {"next_try", next_try}},
                 "source {}: {} {}: {} new, {} updated, {} unchanged{}; next poll {}", source.url, report.status,
                 fetch::to_string(report.action), report.inserted, report.updated, report.unchanged,
                 report.error.empty() ? std::string{} : "; error: " + report.error, next_try);
      break;
  }
}

}  // namespace fcd::service
