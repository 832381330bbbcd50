#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

#include "test_database.hpp"

namespace fcd::store::test {
namespace {

const core::TimePoint kT0{core::Duration{1'750'000'000}};

class LeaseTest : public StoreTest {
 protected:
  void add_sources(int n) {
    std::vector<SourceSpec> specs;
    for (int i = 0; i < n; ++i) specs.push_back({"https://s" + std::to_string(i) + ".example/feed", {}, {}, {}, {}});
    store_->upsert_sources(specs, SourceOrigin::kCli);
  }
};

TEST_F(LeaseTest, ConcurrentClaimersNeverShareASource) {
  constexpr int kSources = 40;
  constexpr int kClaimers = 4;
  constexpr int kRounds = 15;
  add_sources(kSources);
  std::vector<std::unique_ptr<Store>> claimers;
  for (int i = 0; i < kClaimers; ++i) claimers.push_back(db_->open("claimer-" + std::to_string(i)));

  int spread_rounds = 0;
  for (int round = 0; round < kRounds; ++round) {
    db_->exec("UPDATE sources SET lease_owner = NULL, lease_expires_at = NULL, next_poll_at = NULL");
    std::mutex mutex;
    std::multiset<core::SourceId> claimed;
    std::vector<std::thread> threads;
    for (auto& claimer : claimers) {
      threads.emplace_back([&, store = claimer.get()] {
        // Small batches so the claimers interleave.
        for (;;) {
          const auto got = store->claim_due_sources(kT0, core::Duration{300}, 3);
          if (got.empty()) break;
          std::lock_guard lock{mutex};
          for (const auto& s : got) claimed.insert(s.id);
        }
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_EQ(claimed.size(), static_cast<std::size_t>(kSources)) << "round " << round;
    for (auto id : claimed) ASSERT_EQ(claimed.count(id), 1u) << "source " << id << " claimed twice in round " << round;
    if (db_->scalar("SELECT count(DISTINCT lease_owner) > 1 FROM sources") == "t") ++spread_rounds;
  }
  // On a loaded machine one claimer can win a whole round before the others
  // run; over all rounds the claims must still have been spread.
  EXPECT_GT(spread_rounds, 0) << "claims were spread";
}

TEST_F(LeaseTest, ExpiredLeaseIsTakenOver) {
  add_sources(1);
  auto a = db_->open("host-a:1");
  auto b = db_->open("host-b:2");
  const auto got = a->claim_due_sources(kT0, core::Duration{60}, 10);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].lease_expires_at, kT0 + core::Duration{60});
  EXPECT_EQ(store_->list_sources().at(0).lease_owner, "host-a:1");

  EXPECT_TRUE(b->claim_due_sources(kT0 + core::Duration{30}, core::Duration{60}, 10).empty());
  EXPECT_TRUE(a->renew_lease(got[0].id, kT0 + core::Duration{30}, core::Duration{60}));
  EXPECT_TRUE(b->claim_due_sources(kT0 + core::Duration{80}, core::Duration{60}, 10).empty())
      << "a renewed lease holds past its first expiry";

  // a dies; its lease runs out and b takes over.
  EXPECT_EQ(b->release_leases(), 0) << "b holds nothing to give back";
  a.reset();
  const auto taken = b->claim_due_sources(kT0 + core::Duration{91}, core::Duration{60}, 10);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(store_->list_sources().at(0).lease_owner, "host-b:2");
}

TEST_F(LeaseTest, ReleasedLeasesAreClaimableAtOnce) {
  add_sources(3);
  auto a = db_->open("host-a:1");
  auto b = db_->open("host-b:2");
  ASSERT_EQ(a->claim_due_sources(kT0, core::Duration{3600}, 10).size(), 3u);
  EXPECT_TRUE(b->claim_due_sources(kT0, core::Duration{3600}, 10).empty());
  EXPECT_EQ(a->release_leases(), 3);  // shutting down without committing
  EXPECT_EQ(b->claim_due_sources(kT0, core::Duration{3600}, 10).size(), 3u);
}

TEST_F(LeaseTest, OnlyDueEnabledSourcesAreClaimed) {
  add_sources(3);
  db_->exec("UPDATE sources SET next_poll_at = to_timestamp(" + std::to_string(kT0.time_since_epoch().count() + 600) +
            ") WHERE url LIKE 'https://s0.%'");
  store_->set_source_enabled("https://s1.example/feed", false);
  const auto got = store_->claim_due_sources(kT0, core::Duration{3600}, 10);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].url, "https://s2.example/feed");
  EXPECT_EQ(store_->claim_due_sources(kT0 + core::Duration{601}, core::Duration{60}, 10).size(), 1u);
}

TEST_F(LeaseTest, DefaultInstanceIdNamesHostAndPid) {
  const auto id = default_instance_id();
  EXPECT_NE(id.find(':' + std::to_string(getpid())), std::string::npos) << id;
  StoreOptions options;
  options.url = db_->url();
  Store store{options};
  EXPECT_EQ(store.instance_id(), id);
}

}  // namespace
}  // namespace fcd::store::test
