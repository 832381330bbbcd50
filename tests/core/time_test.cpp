#include <gtest/gtest.h>

#include "core/time.hpp"

namespace fcd::core {
namespace {

TEST(Rfc3339, RoundTripsUtc) {
  const auto t = parse_rfc3339("2025-08-15T15:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2025-08-15T15:00:00Z");
}

TEST(Rfc3339, AppliesOffsetsAndFractions) {
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2025-08-15T17:30:00.123+02:30")), "2025-08-15T15:00:00Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2024-12-31T23:00:00-01:00")), "2025-01-01T00:00:00Z");
}

TEST(Rfc3339, RejectsMalformed) {
  EXPECT_FALSE(parse_rfc3339(""));
  EXPECT_FALSE(parse_rfc3339("2025-08-15"));
  EXPECT_FALSE(parse_rfc3339("2025-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2025-08-15T15:00:00"));
  EXPECT_FALSE(parse_rfc3339("2025-08-15T15:00:00Zjunk"));
}

TEST(Duration, ParsesUnitsAndCompounds) {
  EXPECT_EQ(parse_duration("90"), Duration{90});
  EXPECT_EQ(parse_duration("15m"), Duration{900});
  EXPECT_EQ(parse_duration("1h30m"), Duration{5400});
  EXPECT_EQ(parse_duration("7d"), Duration{7 * 86400});
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("5x"));
  EXPECT_FALSE(parse_duration("-5m"));
  EXPECT_FALSE(parse_duration("1h30"));
  EXPECT_FALSE(parse_duration("99999999999999999999d"));
}

TEST(Duration, FormatsShortestExactUnit) {
  EXPECT_EQ(format_duration(Duration{86400}), "1d");
  EXPECT_EQ(format_duration(Duration{5400}), "90m");
  EXPECT_EQ(format_duration(Duration{45}), "45s");
  EXPECT_EQ(format_duration(Duration{0}), "0s");
}

}  // namespace
}  // namespace fcd::core
