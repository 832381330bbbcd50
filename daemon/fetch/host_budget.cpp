#include "fetch/host_budget.hpp"

#include <algorithm>
#include <cmath>

namespace fcd::fetch {

HostBudget::HostBudget(HostBudgetOptions options) : options_(std::move(options)) {}

const HostLimits& HostBudget::limits_for(std::string_view host) const {
  auto it = options_.overrides.find(host);
  return it == options_.overrides.end() ? options_.defaults : it->second;
}

HostBudget::Admission HostBudget::try_acquire(std::string_view host, core::TimePoint now) {
  const HostLimits& limits = limits_for(host);
  HostState& state = hosts_[std::string{host}];
  if (state.in_flight >= std::max<std::size_t>(1, limits.max_concurrent)) return {};

  if (limits.requests_per_minute > 0) {
    const double per_second = limits.requests_per_minute / 60.0;
    // Time has whole-second resolution, so refills come a second at a time:
    // a bucket smaller than one second's tokens would cap the rate at burst
    // per second whatever requests_per_minute says.
    const double capacity = std::max({1.0, limits.burst, per_second});
    if (!state.refilled_at) {
      state.tokens = capacity;
    } else if (now > *state.refilled_at) {
      const auto elapsed = static_cast<double>((now - *state.refilled_at).count());
      state.tokens = std::min(capacity, state.tokens + elapsed * per_second);
    }
    state.refilled_at = std::max(now, state.refilled_at.value_or(now));
    if (state.tokens < 1.0) {
      const auto wait = static_cast<long long>(std::ceil((1.0 - state.tokens) / per_second));
      return {false, now + core::Duration{std::max(1LL, wait)}};
    }
    state.tokens -= 1.0;
  }
  ++state.in_flight;
  return {true, std::nullopt};
}

void HostBudget::release(std::string_view host) {
  auto it = hosts_.find(std::string{host});
  if (it != hosts_.end() && it->second.in_flight > 0) --it->second.in_flight;
}

std::size_t HostBudget::in_flight(std::string_view host) const {
  auto it = hosts_.find(std::string{host});
  return it == hosts_.end() ? 0 : it->second.in_flight;
}

}  // namespace fcd::fetch
