#pragma once
// Time as text: RFC 3339, the dates feeds and HTTP write, and human durations
// ("90s", "15m", "24h", "7d"). One date reader (date.cpp) serves every
// parse_* below. Pure, safe from any thread, total on any input.
#include <optional>
#include <string>
#include <string_view>

#include "core/types.hpp"

namespace fcd::core {

// "2025-08-15T15:00:00Z".
std::string format_rfc3339(TimePoint t);

// Parses "2025-08-15T15:00:00Z" or with an offset ("+02:00"), fractional
// seconds allowed; nullopt when malformed.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

// Parses the date formats found in feeds, converting to UTC:
//  - RFC 822/1123/2822 and RFC 850 ("Thu, 01 Jan 2004 19:48:21 GMT",
//    "Sunday, 06-Nov-94 08:49:37 GMT"), with or without weekday, seconds or time,
//    two- or four-digit years, full month names, named zones (UT, GMT, Z, EST/EDT,
//    CST/CDT, MST/MDT, PST/PDT, AT/CT/MT/PT, MET/CET/CEST, Etc/GMT, military
//    letters), numeric zones (+0100, +01:00, GMT-01:01); a wrong weekday is ignored;
//  - ISO 8601 / RFC 3339 / W3C-DTF and common variants (year only, year-month,
//    ordinal dates, two-digit years, no seconds, fractional seconds, no zone =
//    UTC, space instead of T, basic format without separators);
//  - asctime ("Sun Jan  4 16:29:06 2004", also with a numeric zone) and
//    "2006/09/15 08:19:53" forms.
// nullopt when the text is not a date in any of these forms or a field is out
// of range (61 minutes, day 99 ...).
std::optional<TimePoint> parse_date(std::string_view text);

// Parses an HTTP-date (RFC 9110 section 5.6.7: IMF-fixdate, RFC 850 or
// asctime), as Retry-After and Last-Modified carry it: always GMT, so any other
// zone is refused.
std::optional<TimePoint> parse_http_date(std::string_view text);

// Parses a duration: a non-negative integer followed by s, m, h or d, or several
// such parts ("1h30m"). A bare integer is seconds. nullopt when malformed.
std::optional<Duration> parse_duration(std::string_view text);

// The shortest exact spelling of a duration, e.g. 5400s -> "90m", 86400s -> "1d".
std::string format_duration(Duration d);

}  // namespace fcd::core
