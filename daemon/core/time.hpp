#pragma once
// Time formatting and human durations ("90s", "15m", "24h", "7d").
#include <optional>
#include <string>
#include <string_view>

#include "core/types.hpp"

namespace fcd::core {

// "2025-08-15T15:00:00Z".
std::string format_rfc3339(TimePoint t);

// Parses "2025-08-15T15:00:00Z" or with an offset ("+02:00"); nullopt when malformed.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

// Parses a duration: a non-negative integer followed by s, m, h or d, or several
// such parts ("1h30m"). A bare integer is seconds. nullopt when malformed.
std::optional<Duration> parse_duration(std::string_view text);

// The shortest exact spelling of a duration, e.g. 5400s -> "90m", 86400s -> "1d".
std::string format_duration(Duration d);

}  // namespace fcd::core
