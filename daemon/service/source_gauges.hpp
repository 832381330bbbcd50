#pragma once
// The source gauges (feedclusterd_sources, _enabled, _due, _leased,
// _failing{reason}) set from what the database counts, never from counters
// kept along the way, so they cannot drift from the truth: at start-up,
// after a reload's sync and with each per-minute summary.
#include <optional>
#include <string_view>

#include "asio/asio.hpp"
#include "core/types.hpp"
#include "service/db_pool.hpp"
#include "service/metrics.hpp"
#include "store/types.hpp"

namespace fcd::service {

// Why a failing source fails, from its stored fetch state: the HTTP status of
// its last response (nullopt when none came) and its stored error up to the
// first ':' (store::SourceCounts::Failing). A fetch error ("timeout: ...",
// "body_too_large: ...") is kNetwork whatever status came before it broke.
FailingReason failing_reason(std::optional<int> status, std::string_view error_head);

// Sets the source gauges from counts (failing ones summed by reason).
void set_source_gauges(Metrics& metrics, const store::SourceCounts& counts);

// Counts the sources on a database thread and sets the gauges, and
// database_up to 1. A StoreError sets database_up to 0, is counted in
// database_errors and rethrown; the gauges keep their last values.
asio::awaitable<void> refresh_source_gauges(DbPool& db, Metrics& metrics, core::TimePoint now);

}  // namespace fcd::service
