#pragma once
// Date parsing for feeds. Pure, safe from any thread, total on any input.
#include <optional>
#include <string_view>

#include "core/types.hpp"

namespace fcd::feed {

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
std::optional<core::TimePoint> parse_date(std::string_view text);

}  // namespace fcd::feed
