#include "feed/parse_budget.hpp"

#include <time.h>

namespace fcd::feed::detail {

namespace {

// Reading the thread's CPU clock is a system call: entity text reads it once
// per this much.
constexpr std::size_t kEntityBytesPerTimeCheck = 64u << 10;

}  // namespace

ParseBudget::ParseBudget(const ParseLimits& limits)
    : max_entity_bytes_(limits.max_entity_bytes),
      max_cpu_time_(limits.max_cpu_time),
      started_(thread_cpu_time()),
      next_time_check_(kEntityBytesPerTimeCheck) {}

std::chrono::nanoseconds ParseBudget::thread_cpu_time() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return std::chrono::seconds{now.tv_sec} + std::chrono::nanoseconds{now.tv_nsec};
}

bool ParseBudget::charge_entity(std::size_t bytes) {
  if (exhausted()) return false;
  entity_bytes_ += bytes;
  if (entity_bytes_ > max_entity_bytes_) {
    reason_ = "entity expansion past " + std::to_string(max_entity_bytes_) + " bytes";
    return false;
  }
  if (entity_bytes_ >= next_time_check_) {
    next_time_check_ = entity_bytes_ + kEntityBytesPerTimeCheck;
    return check_time();
  }
  return true;
}

bool ParseBudget::check_time() {
  if (exhausted()) return false;
  if (thread_cpu_time() - started_ > max_cpu_time_) {
    reason_ = "parse took more than " +
              std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(max_cpu_time_).count()) +
              " ms of CPU time";
    return false;
  }
  return true;
}

}  // namespace fcd::feed::detail
