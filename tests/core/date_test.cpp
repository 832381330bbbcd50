#include <gtest/gtest.h>

#include <chrono>

#include "core/time.hpp"

namespace fcd::core {
namespace {

using namespace std::chrono_literals;

TimePoint utc(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

TEST(ParseDate, Rfc822Variants) {
  EXPECT_EQ(parse_date("Fri, 15 Aug 2025 15:00:00 GMT"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("Fri, 15 Aug 2025 11:00:00 EDT"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("Fri, 15 Aug 2025 08:00:00 PDT"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("15 Aug 2025 16:00 +0100"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("Fri,15 Aug 2025 15:00:00 Z"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("Fri,   15   Aug 2025   15:00:00   UT"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("Mon, 15 Aug 2025 15:00:00 GMT"), utc("2025-08-15T15:00:00Z")) << "wrong weekday ignored";
  EXPECT_EQ(parse_date("Fri, 15 August 2025 15:00:00 CST"), utc("2025-08-15T21:00:00Z"));
  EXPECT_EQ(parse_date("Fri, 15 Aug 25 15:00:00 MDT"), utc("2025-08-15T21:00:00Z"));
  EXPECT_EQ(parse_date("Fri, 15 Aug 2025 15:00:00 A"), utc("2025-08-15T14:00:00Z"));
  EXPECT_EQ(parse_date("Fri, 15 Aug 2025 15:00:00 -0400 (EDT)"), utc("2025-08-15T19:00:00Z"));
  EXPECT_EQ(parse_date("Friday, 15-Aug-25 15:00:00 GMT"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("Sun Jan  4 16:29:06 2004"), utc("2004-01-04T16:29:06Z"));
}

// The form read at fixed positions, and its near misses, which the general
// reading takes: both must agree.
TEST(ParseDate, Rfc1123FixedFormAndNearMisses) {
  EXPECT_EQ(parse_date("Fri, 15 Aug 2025 20:30:00 +0530"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("fri, 15 aug 2025 15:00:00 GMT"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("Fri, 14 Aug 2025 24:00:00 GMT"), utc("2025-08-15T00:00:00Z"));
  EXPECT_EQ(parse_date("Fri, 15 Aug 2025 15:00:00 gmt"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("Fri, 15 Aug 2025 15:00:00 Sun"), utc("2025-08-15T15:00:00Z")) << "a weekday, not a zone";
  EXPECT_EQ(parse_date("Fri, 15 Aug 2025 15:00:00 +0000 (UTC)"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("Fri, 15 Aug 2025 15:00:00 GMT+1"), utc("2025-08-15T14:00:00Z"));
  EXPECT_EQ(parse_date("Fri, 5 Aug 2025 15:00:00 GMT"), utc("2025-08-05T15:00:00Z"));
  for (const char* bad :
       {"Fri, 00 Aug 2025 15:00:00 GMT", "Fri, 15 Aug 2025 15:00:00 +9999", "Mar, 15 Aug 2025 15:00:00 GMT",
        "Fri, 15 Aug 2025 15:00:00 Mar", "Fri, 31 Sep 2025 15:00:00 GMT", "Fri, 15 Aug 2025 15:0a:00 GMT"})
    EXPECT_FALSE(parse_date(bad).has_value()) << bad;
}

TEST(ParseDate, IsoVariants) {
  EXPECT_EQ(parse_date("2025-08-15T15:00:00Z"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("2025-08-15T17:00:00+02:00"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("2025-08-15T17:00+0200"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("2025-08-15 15:00:00.123"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("20250815T150000Z"), utc("2025-08-15T15:00:00Z"));
  EXPECT_EQ(parse_date("2025-08-15"), utc("2025-08-15T00:00:00Z"));
  EXPECT_EQ(parse_date("2025-08"), utc("2025-08-01T00:00:00Z"));
  EXPECT_EQ(parse_date("2025-227"), utc("2025-08-15T00:00:00Z"));
}

TEST(ParseDate, RejectsGarbageAndOutOfRange) {
  for (const char* bad :
       {"", "   ", "yesterday", "2025-13-01", "2025-02-30", "Fri, 32 Aug 2025 10:00:00 GMT", "2025-08-15T24:30:00Z",
        "2025-08-15T10:60:00Z", "Fri, 15 Aug 2025 10:00:00 XYZ", "2025-08-15T10:00:00+25:00", "15 Aug", "12:00:00"})
    EXPECT_FALSE(parse_date(bad).has_value()) << bad;
}

TEST(Rfc3339, OnlyItsOwnShape) {
  EXPECT_EQ(parse_rfc3339("2025-08-15 17:00:00.5+02:00"), utc("2025-08-15T15:00:00Z"));
  for (const char* bad :
       {"2025-08-15T15:00:00 GMT", "2025-08-15T15:00:00+0200", "2025-08-15T24:00:00Z", "2025-08-15T15:00Z",
        "2025-08-15T15:00:00.Z", "20250815T150000Z", "2025-08-15T15:00:00-24:00"})
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
}

const TimePoint k1994 = std::chrono::sys_days{std::chrono::year{1994} / 11 / 6} + 8h + 49min + 37s;

TEST(HttpDate, ParsesAllThreeForms) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), k1994);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), k1994);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), k1994);
}

TEST(HttpDate, RejectsMalformed) {
  EXPECT_FALSE(parse_http_date(""));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 CET"));
  EXPECT_FALSE(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("yesterday"));
  EXPECT_FALSE(parse_http_date("Sun Nov  6 08:49:37 1994 +0100")) << "asctime names no zone";
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 +0000")) << "IMF-fixdate is in GMT";
}

}  // namespace
}  // namespace fcd::core
