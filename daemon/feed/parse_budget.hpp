#pragma once
// The work one document may cost beyond its own size: text produced by entity
// expansion and CPU time (ParseLimits::max_entity_bytes, max_cpu_time). Private
// to fcd_feed; one per parse, used from the parsing thread only.
#include <chrono>
#include <cstddef>
#include <string>

#include "feed/feed.hpp"

namespace fcd::feed::detail {

class ParseBudget {
 public:
  explicit ParseBudget(const ParseLimits& limits);

  // Counts bytes of entity text about to be expanded. False once the budget
  // (entity bytes or CPU time) is spent; exhausted() stays true from then on.
  bool charge_entity(std::size_t bytes);
  // Checks the CPU time; false once the budget is spent.
  bool check_time();

  bool exhausted() const { return !reason_.empty(); }
  // Why the parse was stopped ("entity expansion past 4194304 bytes"); empty
  // while the budget lasts.
  const std::string& reason() const { return reason_; }

 private:
  static std::chrono::nanoseconds thread_cpu_time();

  std::size_t max_entity_bytes_;
  std::chrono::nanoseconds max_cpu_time_;
  std::chrono::nanoseconds started_;
  std::size_t entity_bytes_ = 0;
  std::size_t next_time_check_ = 0;  // entity_bytes_ at which the clock is read next
  std::string reason_;
};

}  // namespace fcd::feed::detail
