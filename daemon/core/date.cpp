#include "core/time.hpp"

#include <array>
#include <chrono>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/ascii.hpp"

namespace fcd::core {

namespace {

struct Fields {
  int year = -1;
  int month = -1;  // 1..12
  int day = -1;
  int ordinal = -1;  // day of year, instead of month/day
  int hour = 0;
  int minute = 0;
  int second = 0;
  int offset_minutes = 0;  // east of UTC
};

// Reads exactly n digits at text[pos]; -1 when they are not all digits.
int digits(std::string_view text, std::size_t pos, std::size_t n) {
  if (n > 9 || pos + n > text.size()) return -1;  // more would overflow int
  int value = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_ascii_digit(text[i])) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::size_t count_digits(std::string_view text, std::size_t pos) {
  std::size_t n = 0;
  while (pos + n < text.size() && is_ascii_digit(text[pos + n])) ++n;
  return n;
}

// RFC 2822 section 4.3: two-digit years 00-49 are 20xx, 50-99 are 19xx.
int widen_year(int year, std::size_t written_digits) {
  if (written_digits > 2) return year;
  return year < 50 ? 2000 + year : 1900 + year;
}

std::optional<TimePoint> to_time_point(const Fields& f) {
  if (f.year < 0 || f.year > 9999) return std::nullopt;
  if (f.hour > 24 || f.minute > 59 || f.second > 60) return std::nullopt;
  if (f.hour == 24 && (f.minute != 0 || f.second != 0)) return std::nullopt;
  std::chrono::sys_days days;
  if (f.ordinal >= 0) {
    const std::chrono::year y{f.year};
    const int length = y.is_leap() ? 366 : 365;
    if (f.ordinal < 1 || f.ordinal > length) return std::nullopt;
    days = std::chrono::sys_days{y / std::chrono::January / 1} + std::chrono::days{f.ordinal - 1};
  } else {
    const std::chrono::year_month_day ymd{std::chrono::year{f.year}, std::chrono::month(static_cast<unsigned>(f.month)),
                                          std::chrono::day(static_cast<unsigned>(f.day))};
    if (f.month < 1 || f.day < 1 || !ymd.ok()) return std::nullopt;
    days = std::chrono::sys_days{ymd};
  }
  const TimePoint t = TimePoint{days} + std::chrono::hours{f.hour} + std::chrono::minutes{f.minute} +
                      std::chrono::seconds{f.second} - std::chrono::minutes{f.offset_minutes};
  // Only years 1..9999 after the zone shift: what RFC 3339 can write back.
  static constexpr std::chrono::year_month_day kFirst{std::chrono::year{1}, std::chrono::January, std::chrono::day{1}};
  static constexpr std::chrono::year_month_day kLast{std::chrono::year{10000}, std::chrono::January,
                                                     std::chrono::day{1}};
  if (t < TimePoint{std::chrono::sys_days{kFirst}} || t >= TimePoint{std::chrono::sys_days{kLast}}) return std::nullopt;
  return t;
}

// "+0100", "-05:00", "+05", "Z"; the whole text must be the offset.
std::optional<int> numeric_offset(std::string_view text) {
  if (text.size() == 1 && (text[0] == 'Z' || text[0] == 'z')) return 0;
  if (text.size() < 3 || (text[0] != '+' && text[0] != '-')) return std::nullopt;
  const int sign = text[0] == '-' ? -1 : 1;
  const int hours = digits(text, 1, 2);
  int minutes = 0;
  if (hours < 0) return std::nullopt;
  if (text.size() == 3) {
  } else if (text.size() == 5) {
    minutes = digits(text, 3, 2);
  } else if (text.size() == 6 && text[3] == ':') {
    minutes = digits(text, 4, 2);
  } else {
    return std::nullopt;
  }
  if (minutes < 0 || minutes > 59 || hours > 23) return std::nullopt;
  return sign * (hours * 60 + minutes);
}

struct NamedZone {
  std::string_view name;
  int hours;
};

constexpr std::array<NamedZone, 42> kZones = {{
    {"UT", 0},    {"UTC", 0},   {"GMT", 0},  {"Z", 0},     {"WET", 0},   {"EST", -5},  {"EDT", -4},
    {"CST", -6},  {"CDT", -5},  {"MST", -7}, {"MDT", -6},  {"PST", -8},  {"PDT", -7},  {"ET", -5},
    {"CT", -6},   {"MT", -7},   {"PT", -8},  {"AT", -4},   {"AST", -4},  {"ADT", -3},  {"HST", -10},
    {"AKST", -9}, {"AKDT", -8}, {"MET", 1},  {"MEST", 2},  {"MEZ", 1},   {"MESZ", 2},  {"CET", 1},
    {"CEST", 2},  {"BST", 1},   {"WEST", 1}, {"EET", 2},   {"EEST", 3},  {"MSK", 3},   {"JST", 9},
    {"KST", 9},   {"HKT", 8},   {"SGT", 8},  {"AEST", 10}, {"AEDT", 11}, {"NZST", 12}, {"NZDT", 13},
}};

// Named zones, "Etc/GMT", military letters (RFC 1123's A-I, K-Z), "GMT+01:00".
std::optional<int> zone_offset(std::string_view text) {
  if (auto numeric = numeric_offset(text)) return numeric;
  if (iequals(text, "Etc/GMT") || iequals(text, "Etc/UTC")) return 0;
  for (const NamedZone& zone : kZones)
    if (iequals(text, zone.name)) return zone.hours * 60;
  if (text.size() == 1 && is_ascii_alpha(text[0])) {
    const char c = static_cast<char>(text[0] & ~0x20);
    if (c >= 'A' && c <= 'I') return (c - 'A' + 1) * 60;
    if (c >= 'K' && c <= 'M') return (c - 'K' + 10) * 60;
    if (c >= 'N' && c <= 'Y') return -(c - 'N' + 1) * 60;
  }
  for (std::string_view prefix : {std::string_view("GMT"), std::string_view("UTC"), std::string_view("UT")}) {
    if (text.size() > prefix.size() && iequals(text.substr(0, prefix.size()), prefix) &&
        (text[prefix.size()] == '+' || text[prefix.size()] == '-')) {
      const std::string_view rest = text.substr(prefix.size());
      if (auto numeric = numeric_offset(rest)) return numeric;
      // "GMT+1" / "GMT-10": hours only, one or two digits.
      const std::size_t n = count_digits(rest, 1);
      if (n >= 1 && n <= 2 && n + 1 == rest.size()) {
        const int hours = digits(rest, 1, n);
        return (rest[0] == '-' ? -1 : 1) * hours * 60;
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// "HH:MM[:SS[.fff]]", hours and minutes of one or two digits.
bool parse_clock(std::string_view text, Fields& f) {
  std::array<int, 3> parts{0, 0, 0};
  std::size_t count = 0;
  std::size_t pos = 0;
  while (true) {
    const std::size_t n = count_digits(text, pos);
    if (n < 1 || n > 2 || count == 3) return false;
    parts[count++] = digits(text, pos, n);
    pos += n;
    if (pos == text.size()) break;
    if (text[pos] == '.' && count == 3) {
      const std::size_t frac = count_digits(text, pos + 1);
      if (frac == 0 || pos + 1 + frac != text.size()) return false;
      break;
    }
    if (text[pos] != ':') return false;
    ++pos;
  }
  if (count < 2) return false;
  f.hour = parts[0];
  f.minute = parts[1];
  f.second = parts[2];
  return true;
}

// ISO 8601 / RFC 3339 / W3C-DTF and their common variants. The whole text must match.
std::optional<TimePoint> parse_iso(std::string_view text) {
  Fields f;
  std::size_t pos = 0;
  const std::size_t n = count_digits(text, 0);
  if (n == 0) {
    // "-YY-MM" or "-YYMM": two-digit year with month, no day.
    if (text.empty() || text[0] != '-') return std::nullopt;
    const std::size_t m = count_digits(text, 1);
    if (m == 2 && text.size() > 3 && text[3] == '-' && count_digits(text, 4) == 2) {
      f.year = widen_year(digits(text, 1, 2), 2);
      f.month = digits(text, 4, 2);
      pos = 6;
    } else if (m == 4) {
      f.year = widen_year(digits(text, 1, 2), 2);
      f.month = digits(text, 3, 2);
      pos = 5;
    } else {
      return std::nullopt;
    }
    f.day = 1;
  } else if (n == 8) {
    f.year = digits(text, 0, 4);
    f.month = digits(text, 4, 2);
    f.day = digits(text, 6, 2);
    pos = 8;
  } else if (n == 7) {
    f.year = digits(text, 0, 4);
    f.ordinal = digits(text, 4, 3);
    pos = 7;
  } else if (n == 6) {
    f.year = widen_year(digits(text, 0, 2), 2);
    f.month = digits(text, 2, 2);
    f.day = digits(text, 4, 2);
    pos = 6;
  } else if (n == 5) {
    f.year = widen_year(digits(text, 0, 2), 2);
    f.ordinal = digits(text, 2, 3);
    pos = 5;
  } else if (n == 4 || n == 2) {
    f.year = widen_year(digits(text, 0, n), n);
    pos = n;
    f.month = 1;
    f.day = 1;
    if (pos < text.size() && text[pos] == '-') {
      const std::size_t m = count_digits(text, pos + 1);
      if (m < 1 || m > 3) return std::nullopt;
      const int second_part = digits(text, pos + 1, m);
      pos += 1 + m;
      if (pos < text.size() && text[pos] == '-') {
        const std::size_t d = count_digits(text, pos + 1);
        if (d < 1 || d > 2) return std::nullopt;
        f.month = second_part;
        f.day = digits(text, pos + 1, d);
        pos += 1 + d;
      } else if (m == 3) {
        f.ordinal = second_part;
      } else {
        f.month = second_part;
      }
    } else if (n == 2) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }

  if (pos < text.size() && (text[pos] == 'T' || text[pos] == 't' || text[pos] == ' ')) {
    ++pos;
    while (pos < text.size() && text[pos] == ' ') ++pos;
    const std::size_t start = pos;
    while (pos < text.size() && (is_ascii_digit(text[pos]) || text[pos] == ':' || text[pos] == '.')) ++pos;
    std::string_view clock = text.substr(start, pos - start);
    if (clock.find(':') == std::string_view::npos) {
      // Basic format: HHMM or HHMMSS.
      if (clock.size() != 4 && clock.size() != 6) return std::nullopt;
      f.hour = digits(clock, 0, 2);
      f.minute = digits(clock, 2, 2);
      f.second = clock.size() == 6 ? digits(clock, 4, 2) : 0;
    } else if (!parse_clock(clock, f)) {
      return std::nullopt;
    }
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos < text.size()) {
      auto offset = zone_offset(text.substr(pos));
      if (!offset) return std::nullopt;
      f.offset_minutes = *offset;
    }
  } else if (pos != text.size()) {
    return std::nullopt;
  }
  return to_time_point(f);
}

constexpr std::array<std::string_view, 12> kMonths = {"january",   "february", "march",    "april",
                                                      "may",       "june",     "july",     "august",
                                                      "september", "october",  "november", "december"};
constexpr std::array<std::string_view, 7> kWeekdays = {"monday", "tuesday",  "wednesday", "thursday",
                                                       "friday", "saturday", "sunday"};

// A word that is a month name or its abbreviation of at least three letters
// ("Jan", "Sept", "January"); 1..12 or 0.
// True when word abbreviates name ("Sep", "Sept", "september" for "september"),
// in any case.
bool abbreviates(std::string_view word, std::string_view name) {
  return word.size() <= name.size() && iequals(name.substr(0, word.size()), word);
}

int month_number(std::string_view word) {
  if (word.size() < 3) return 0;
  for (std::size_t i = 0; i < kMonths.size(); ++i)
    if (abbreviates(word, kMonths[i])) return static_cast<int>(i) + 1;
  return 0;
}

bool is_weekday(std::string_view word) {
  if (word.size() < 2) return false;
  for (std::string_view day : kWeekdays)
    if (abbreviates(word, day)) return true;
  return false;
}

// "2006/09/15" (Y/M/D) or "06-Nov-94" (D-Mon-Y, RFC 850).
bool parse_compound_date(std::string_view token, Fields& f) {
  const char separator = token.find('/') != std::string_view::npos ? '/' : '-';
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t next = token.find(separator, start);
    parts.push_back(token.substr(start, next - start));
    if (next == std::string_view::npos) break;
    start = next + 1;
  }
  if (parts.size() != 3) return false;
  for (const auto& part : parts)
    if (part.empty()) return false;
  const bool numeric_middle = count_digits(parts[1], 0) == parts[1].size();
  if (numeric_middle && parts[0].size() == 4 && count_digits(parts[0], 0) == 4) {
    if (parts[1].size() > 2 || parts[2].size() > 2 || count_digits(parts[2], 0) != parts[2].size()) return false;
    f.year = digits(parts[0], 0, 4);
    f.month = digits(parts[1], 0, parts[1].size());
    f.day = digits(parts[2], 0, parts[2].size());
    return true;
  }
  const int month = month_number(parts[1]);
  const std::size_t day_digits = count_digits(parts[0], 0);
  const std::size_t year_digits = count_digits(parts[2], 0);
  if (month == 0 || day_digits != parts[0].size() || day_digits > 2 || year_digits != parts[2].size() ||
      (year_digits != 2 && year_digits != 4))
    return false;
  f.day = digits(parts[0], 0, day_digits);
  f.month = month;
  f.year = widen_year(digits(parts[2], 0, year_digits), year_digits);
  return true;
}

// "Tue, 05 Aug 2025 14:03:00 GMT", the form nearly every RSS feed writes (RFC
// 1123 with a two-digit day), read at fixed positions. Anything else is left to
// parse_words, which reads this form to the same fields (no zone that
// zone_offset knows is a weekday or AM/PM to it): this only skips its
// word-by-word classification, the largest part of reading the dates of a
// large feed.
std::optional<Fields> read_rfc1123(std::string_view text) {
  //                    0123456789012345678901234567
  // Positions within: "Tue, 05 Aug 2025 14:03:00 GMT"
  constexpr std::size_t kZoneAt = 26;
  if (text.size() <= kZoneAt || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text[25] != ' ' || !is_weekday(text.substr(0, 3)))
    return std::nullopt;
  Fields f;
  f.month = month_number(text.substr(8, 3));
  f.day = digits(text, 5, 2);
  f.year = digits(text, 12, 4);
  f.hour = digits(text, 17, 2);
  f.minute = digits(text, 20, 2);
  f.second = digits(text, 23, 2);
  const std::optional<int> offset = zone_offset(text.substr(kZoneAt));
  if (f.month == 0 || f.day < 0 || f.year < 0 || f.hour < 0 || f.minute < 0 || f.second < 0 || !offset)
    return std::nullopt;
  f.offset_minutes = *offset;
  return f;
}

// RFC 822/2822/1123/850, asctime and similar word-and-number forms. With
// zones == false, text naming a zone is refused.
std::optional<TimePoint> parse_words(std::string_view text, bool zones = true) {
  Fields f;
  bool have_time = false;
  bool have_zone = false;
  int pm = -1;  // -1 none, 0 AM, 1 PM
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && (is_space(text[pos]) || text[pos] == ',')) ++pos;
    if (pos >= text.size()) break;
    if (text[pos] == '(') {
      // RFC 822 comment, e.g. "-0400 (EDT)".
      const std::size_t close = text.find(')', pos);
      if (close == std::string_view::npos) return std::nullopt;
      pos = close + 1;
      continue;
    }
    const std::size_t start = pos;
    while (pos < text.size() && !is_space(text[pos]) && text[pos] != ',') ++pos;
    std::string_view token = text.substr(start, pos - start);
    // A trailing "." after a weekday or month abbreviation ("Sept.").
    if (token.size() > 1 && token.back() == '.' && is_ascii_alpha(token[0])) token.remove_suffix(1);

    if (is_ascii_digit(token[0]) && token.find(':') != std::string_view::npos) {
      if (have_time) return std::nullopt;
      std::string_view clock = token;
      std::size_t zone_at = clock.find_first_of("+-Zz");
      if (zone_at != std::string_view::npos) {
        auto offset = zone_offset(clock.substr(zone_at));
        if (!offset) return std::nullopt;
        f.offset_minutes = *offset;
        have_zone = true;
        clock = clock.substr(0, zone_at);
      }
      if (!parse_clock(clock, f)) return std::nullopt;
      have_time = true;
      continue;
    }
    if (token[0] == '+' || token[0] == '-') {
      auto offset = zone_offset(token);
      if (!offset || have_zone) return std::nullopt;
      f.offset_minutes = *offset;
      have_zone = true;
      continue;
    }
    if (is_ascii_digit(token[0])) {
      const std::size_t n = count_digits(token, 0);
      if (n != token.size()) {
        if (f.day >= 0 || f.year >= 0 || !parse_compound_date(token, f)) return std::nullopt;
        continue;
      }
      const int value = digits(token, 0, n);
      if (n <= 2 && f.day < 0) {
        f.day = value;
      } else if ((n == 2 || n == 4) && f.year < 0) {
        f.year = widen_year(value, n);
      } else {
        return std::nullopt;
      }
      continue;
    }
    if (const int month = month_number(token); month > 0 && f.month < 0) {
      f.month = month;
      continue;
    }
    if (is_weekday(token)) continue;
    if (iequals(token, "am") || iequals(token, "pm")) {
      pm = iequals(token, "pm") ? 1 : 0;
      continue;
    }
    if (auto offset = zone_offset(token); offset && !have_zone) {
      f.offset_minutes = *offset;
      have_zone = true;
      continue;
    }
    return std::nullopt;
  }
  if (f.year < 0 || f.month < 0 || f.day < 0 || (have_zone && !zones)) return std::nullopt;
  if (pm >= 0) {
    if (!have_time || f.hour < 1 || f.hour > 12) return std::nullopt;
    if (f.hour == 12) f.hour = 0;
    if (pm == 1) f.hour += 12;
  }
  return to_time_point(f);
}

}  // namespace

std::optional<TimePoint> parse_date(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > 128) return std::nullopt;
  if (is_ascii_digit(text[0]) || text[0] == '-') {
    if (auto iso = parse_iso(text)) return iso;
  }
  if (const std::optional<Fields> f = read_rfc1123(text)) return to_time_point(*f);
  return parse_words(text);
}

std::optional<TimePoint> parse_http_date(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > 128) return std::nullopt;
  // IMF-fixdate and RFC 850 end in "GMT"; asctime names no zone.
  if (text.ends_with(" GMT")) return parse_words(text);
  return parse_words(text, false);
}

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM), checked for shape here and read
  // by the ISO reader.
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (text.size() < kShape.size() + 1) return std::nullopt;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const char c = text[i];
    const bool ok = kShape[i] == 'd'   ? is_ascii_digit(c)
                    : kShape[i] == 'T' ? c == 'T' || c == 't' || c == ' '
                                       : c == kShape[i];
    if (!ok) return std::nullopt;
  }
  std::size_t pos = kShape.size();
  if (text[pos] == '.') {
    const std::size_t fraction = count_digits(text, pos + 1);
    if (fraction == 0) return std::nullopt;
    pos += 1 + fraction;
  }
  const std::string_view zone = text.substr(pos);
  const bool utc = zone == "Z" || zone == "z";
  const bool offset = zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && is_ascii_digit(zone[1]) &&
                      is_ascii_digit(zone[2]) && zone[3] == ':' && is_ascii_digit(zone[4]) && is_ascii_digit(zone[5]);
  if ((!utc && !offset) || digits(text, 11, 2) > 23) return std::nullopt;
  return parse_iso(text);
}

}  // namespace fcd::core
