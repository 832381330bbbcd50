#include "fetch/host_budget.hpp"

#include <gtest/gtest.h>

namespace fcd::fetch {
namespace {

using namespace std::chrono_literals;

const core::TimePoint kStart{std::chrono::seconds{1'700'000'000}};

TEST(HostBudget, CapsConcurrencyPerHost) {
  HostBudget budget{HostBudgetOptions{HostLimits{2, 0, 1}, {}}};
  EXPECT_TRUE(budget.try_acquire("a.org", kStart).admitted);
  EXPECT_TRUE(budget.try_acquire("a.org", kStart).admitted);
  const auto third = budget.try_acquire("a.org", kStart);
  EXPECT_FALSE(third.admitted);
  EXPECT_FALSE(third.retry_at);  // wait for a release, not for time
  EXPECT_TRUE(budget.try_acquire("b.org", kStart).admitted);
  budget.release("a.org");
  EXPECT_EQ(budget.in_flight("a.org"), 1u);
  EXPECT_TRUE(budget.try_acquire("a.org", kStart).admitted);
}

TEST(HostBudget, TokenBucketAllowsABurstThenTheRate) {
  HostBudget budget{HostBudgetOptions{HostLimits{100, 60, 3}, {}}};  // 1 per second, burst 3
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(budget.try_acquire("a.org", kStart).admitted);
    budget.release("a.org");
  }
  const auto refused = budget.try_acquire("a.org", kStart);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_at, kStart + 1s);
  EXPECT_TRUE(budget.try_acquire("a.org", kStart + 1s).admitted);
  budget.release("a.org");
  EXPECT_FALSE(budget.try_acquire("a.org", kStart + 1s).admitted);
  // A long quiet spell refills only up to the burst.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(budget.try_acquire("a.org", kStart + 1h).admitted);
    budget.release("a.org");
  }
  EXPECT_FALSE(budget.try_acquire("a.org", kStart + 1h).admitted);
}

TEST(HostBudget, RateAboveTheBurstPerSecondIsReached) {
  // 600 per second with a burst of 10: the clock ticks in whole seconds, so
  // the bucket must hold a second's worth or the rate would be 10 per second.
  HostBudget budget{HostBudgetOptions{HostLimits{1000, 36'000, 10}, {}}};
  for (const auto at : {kStart, kStart + 1s}) {
    int admitted = 0;
    while (budget.try_acquire("a.org", at).admitted) {
      budget.release("a.org");
      ++admitted;
    }
    EXPECT_EQ(admitted, 600);
  }
}

TEST(HostBudget, OverridesApplyPerHost) {
  HostBudgetOptions options{HostLimits{1, 6, 1}, {}};  // one request per 10 s by default
  options.overrides["fast.org"] = HostLimits{1, 0, 1};
  HostBudget budget{options};
  ASSERT_TRUE(budget.try_acquire("slow.org", kStart).admitted);
  budget.release("slow.org");
  EXPECT_EQ(budget.try_acquire("slow.org", kStart).retry_at, kStart + 10s);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(budget.try_acquire("fast.org", kStart).admitted);
    budget.release("fast.org");
  }
}

}  // namespace
}  // namespace fcd::fetch
