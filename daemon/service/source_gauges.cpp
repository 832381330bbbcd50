#include "service/source_gauges.hpp"

#include <array>

#include "fetch/types.hpp"
#include "store/store.hpp"

namespace fcd::service {

namespace {

// What a poll stores as its error when the fetch itself failed: the
// FetchError's name, then ": " and the details (fetch::decide_poll).
bool is_fetch_error_name(std::string_view head) {
  for (auto error = static_cast<int>(fetch::FetchError::kInvalidUrl);
       error <= static_cast<int>(fetch::FetchError::kInternal); ++error)
    if (fetch::to_string(static_cast<fetch::FetchError>(error)) == head) return true;
  return false;
}

}  // namespace

FailingReason failing_reason(std::optional<int> status, std::string_view error_head) {
  if (!status || is_fetch_error_name(error_head)) return FailingReason::kNetwork;
  if (*status >= 200 && *status < 300) return FailingReason::kParseError;
  if (*status >= 400 && *status < 500) return FailingReason::kHttp4xx;
  if (*status >= 500 && *status < 600) return FailingReason::kHttp5xx;
  return FailingReason::kHttpOther;
}

void set_source_gauges(Metrics& metrics, const store::SourceCounts& counts) {
  metrics.sources_total.set(double(counts.total));
  metrics.sources_enabled.set(double(counts.enabled));
  metrics.sources_due.set(double(counts.due));
  metrics.sources_leased.set(double(counts.leased));
  std::array<std::int64_t, kFailingReasonCount> failing{};
  for (const auto& group : counts.failing)
    failing[static_cast<std::size_t>(failing_reason(group.status, group.error_head))] += group.count;
  for (std::size_t i = 0; i < failing.size(); ++i) metrics.sources_failing[i].set(double(failing[i]));
}

asio::awaitable<void> refresh_source_gauges(DbPool& db, Metrics& metrics, core::TimePoint now) {
  try {
    const auto counts = co_await db.run([now](store::Store& store) { return store.count_sources(now); });
    set_source_gauges(metrics, counts);
    metrics.database_up.set(1);
  } catch (const store::StoreError&) {
    metrics.database_up.set(0);
    metrics.database_errors.inc();
    throw;
  }
}

}  // namespace fcd::service
