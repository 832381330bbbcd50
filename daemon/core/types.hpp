#pragma once
// Value types shared by every module: ids, time points and exit codes.
#include <chrono>
#include <cstdint>

namespace fcd::core {

using SourceId = std::int64_t;
using ArticleId = std::int64_t;
using StoryId = std::int64_t;

// All times are UTC on the system clock; seconds are enough for feeds.
using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::time_point<Clock, std::chrono::seconds>;
using Duration = std::chrono::seconds;

// Process exit codes of every feedclusterd command.
enum ExitCode : int {
  kExitOk = 0,
  kExitRuntimeFailure = 1,
  kExitUsage = 2,
};

}  // namespace fcd::core
