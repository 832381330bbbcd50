// What the Scheduler tells about sources other live instances hold: a line
// when the set changes, none while it stays the same.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "service/scheduler.hpp"

namespace fcd::service {
namespace {

using ::testing::HasSubstr;

const core::TimePoint kT0{core::Duration{1'780'000'000}};

store::HeldLease held(core::SourceId id) {
  return {id, "https://s" + std::to_string(id) + ".example/feed", "other:42", kT0 + core::Duration{300}};
}

TEST(HeldElsewhereReport, TellsWhenTheSetChangesOnly) {
  HeldElsewhereReport report;
  EXPECT_FALSE(report.note({})) << "none held, as at start";
  const auto first = report.note({held(1), held(2)});
  ASSERT_TRUE(first);
  EXPECT_THAT(*first, HasSubstr("2 source(s) not polled here"));
  EXPECT_THAT(*first, HasSubstr("https://s1.example/feed (other:42 until 2026-05-28T20:31:40Z)"));
  EXPECT_FALSE(report.note({held(2), held(1)})) << "the same set, in another order";
  const auto changed = report.note({held(1), held(3)});
  ASSERT_TRUE(changed) << "the same count, another source";
  EXPECT_THAT(*changed, HasSubstr("s3.example"));
  EXPECT_EQ(report.note({}), "no source is held by another live instance any more");
  EXPECT_FALSE(report.note({}));
}

TEST(HeldElsewhereReport, NamesAFewAndCountsTheRest) {
  HeldElsewhereReport report;
  std::vector<store::HeldLease> many;
  for (core::SourceId id = 1; id <= 8; ++id) many.push_back(held(id));
  const auto line = report.note(many);
  ASSERT_TRUE(line);
  EXPECT_THAT(*line, HasSubstr("8 source(s)"));
  EXPECT_THAT(*line, HasSubstr("s5.example"));
  EXPECT_THAT(*line, ::testing::Not(HasSubstr("s6.example")));
  EXPECT_THAT(*line, HasSubstr(" and 3 more"));
}

}  // namespace
}  // namespace fcd::service
