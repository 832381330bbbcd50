#pragma once
// Per-host politeness: a concurrency cap and a token bucket (requests per
// minute) shared by every source on one host. Pure bookkeeping with the time
// passed in, so it is tested without sockets or sleeps. Not thread-safe: the
// Fetcher uses it from its io_context thread only.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/types.hpp"

namespace fcd::fetch {

struct HostLimits {
  std::size_t max_concurrent = 2;  // requests in flight to one host; at least 1
  double requests_per_minute = 60;  // token refill rate; 0 means unlimited
  double burst = 10;                // bucket size: requests allowed back to back
};

struct HostBudgetOptions {
  HostLimits defaults;
  std::map<std::string, HostLimits, std::less<>> overrides;  // by lower-case host name
};

class HostBudget {
 public:
  explicit HostBudget(HostBudgetOptions options);

  struct Admission {
    bool admitted = false;
    // When not admitted: the time a token will be there, or nullopt when the
    // host is at its concurrency cap (wait for a release()).
    std::optional<core::TimePoint> retry_at;
  };

  // Takes a slot and a token for host when both are available.
  Admission try_acquire(std::string_view host, core::TimePoint now);
  // Gives back the slot taken by an admitted try_acquire.
  void release(std::string_view host);

  std::size_t in_flight(std::string_view host) const;
  const HostLimits& limits_for(std::string_view host) const;

 private:
  struct HostState {
    std::size_t in_flight = 0;
    double tokens = 0;
    std::optional<core::TimePoint> refilled_at;
  };
  HostBudgetOptions options_;
  std::unordered_map<std::string, HostState> hosts_;
};

}  // namespace fcd::fetch
