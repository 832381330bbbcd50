#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

#include "test_database.hpp"

namespace fcd::store::test {
namespace {

const core::TimePoint kT0{core::Duration{1'750'000'000}};
const core::Duration kTenMinutes{600};

// Claims until something is claimed or 10 s have passed: the backend of a
// closed or killed session ends (and drops its advisory lock) soon after its
// client is gone, but not within the same instant.
std::vector<ClaimedSource> claim_eventually(Store& store, core::TimePoint now, core::Duration lease) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  for (;;) {
    auto claimed = store.claim_due_sources(now, lease, 100);
    if (!claimed.empty() || std::chrono::steady_clock::now() > deadline) return claimed;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
}

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

  // a stays connected but stops renewing (hung); its lease runs out and b takes over.
  EXPECT_EQ(b->release_leases(), 0) << "b holds nothing to give back";
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

TEST_F(LeaseTest, ADeadInstancesLeasesAreFreeAtOnce) {
  add_sources(3);
  auto a = db_->open("host-a:1");
  auto b = db_->open("host-b:2");
  ASSERT_EQ(a->claim_due_sources(kT0, kTenMinutes, 10).size(), 3u);
  EXPECT_TRUE(b->claim_due_sources(kT0 + core::Duration{1}, kTenMinutes, 10).empty()) << "a is alive";
  const auto held = b->leases_held_elsewhere(kT0 + core::Duration{1});
  ASSERT_EQ(held.size(), 3u);
  EXPECT_EQ(held[0].owner, "host-a:1");
  EXPECT_EQ(held[0].expires_at, kT0 + kTenMinutes);
  EXPECT_EQ(held[0].url, "https://s0.example/feed");
  EXPECT_TRUE(a->leases_held_elsewhere(kT0 + core::Duration{1}).empty()) << "a's own leases are not elsewhere";

  a.reset();  // its session ends without giving the leases back
  const auto taken = claim_eventually(*b, kT0 + core::Duration{2}, kTenMinutes);
  EXPECT_EQ(taken.size(), 3u) << "nine minutes before the leases expire";
  EXPECT_TRUE(b->leases_held_elsewhere(kT0 + core::Duration{2}).empty());
  for (const auto& row : store_->list_sources()) EXPECT_EQ(row.lease_owner, "host-b:2");
}

TEST_F(LeaseTest, AnInstanceIsAliveWhileAnyOfItsConnectionsIs) {
  add_sources(2);
  auto first = db_->open("host-a:1");
  auto second = db_->open("host-a:1");  // the same instance's other pool connection
  auto b = db_->open("host-b:2");
  ASSERT_EQ(first->claim_due_sources(kT0, kTenMinutes, 10).size(), 2u);
  first.reset();  // one connection lost (and reopened later); the instance still polls
  std::this_thread::sleep_for(std::chrono::milliseconds{300});
  EXPECT_TRUE(b->claim_due_sources(kT0 + core::Duration{1}, kTenMinutes, 10).empty());
  EXPECT_TRUE(second->claim_due_sources(kT0 + core::Duration{1}, kTenMinutes, 10).empty())
      << "the instance itself does not claim what it is polling";
  EXPECT_EQ(b->leases_held_elsewhere(kT0 + core::Duration{1}).size(), 2u);
  second.reset();
  EXPECT_EQ(claim_eventually(*b, kT0 + core::Duration{2}, kTenMinutes).size(), 2u);
}

TEST_F(LeaseTest, ARestartWithTheSameInstanceIdTakesOverAtOnce) {
  add_sources(2);
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The crashing incarnation: claims with a long lease and is SIGKILLed.
    close(ready[0]);
    try {
      auto store = db_->open("host-a:1");
      const char claimed = static_cast<char>(store->claim_due_sources(kT0, kTenMinutes, 10).size());
      if (write(ready[1], &claimed, 1) != 1) _exit(3);
      raise(SIGKILL);
    } catch (...) {
    }
    _exit(2);
  }
  close(ready[1]);
  char claimed = 0;
  ASSERT_EQ(read(ready[0], &claimed, 1), 1);
  close(ready[0]);
  EXPECT_EQ(claimed, 2);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  auto restarted = db_->open("host-a:1");
  EXPECT_EQ(claim_eventually(*restarted, kT0 + core::Duration{5}, kTenMinutes).size(), 2u);
}

TEST_F(LeaseTest, ALeaseRecordsItsSessionUntilReleased) {
  add_sources(2);
  const auto session = [this] { return db_->scalar("SELECT count(lease_session) FROM sources"); };
  const auto got = store_->claim_due_sources(kT0, kTenMinutes, 10);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(session(), "2");
  EXPECT_EQ(db_->scalar("SELECT bool_and(lease_session_alive(lease_session)) FROM sources"), "t");
  EXPECT_FALSE(store_->list_sources().at(0).lease_held) << "the listing reads the server's clock: expired";
  db_->exec("UPDATE sources SET lease_expires_at = now() + interval '10 minutes'");
  EXPECT_TRUE(store_->list_sources().at(0).lease_held);
  EXPECT_TRUE(store_->defer_poll(got[0].id, kT0 + core::Duration{60}));
  EXPECT_EQ(session(), "1") << "a deferral releases the lease and forgets its session";
  FetchOutcome outcome;
  outcome.http_status = 304;
  outcome.next_poll_at = kT0 + core::Duration{3600};
  store_->commit_poll(got[1].id, {}, outcome, kT0);
  EXPECT_EQ(session(), "0") << "a commit releases the lease and forgets its session";
  EXPECT_FALSE(store_->list_sources().at(1).lease_held);
  ASSERT_EQ(store_->claim_due_sources(kT0 + core::Duration{61}, kTenMinutes, 10).size(), 1u);
  EXPECT_EQ(store_->release_leases(), 1);
  EXPECT_EQ(session(), "0") << "a shutdown's release forgets the session";
}

TEST_F(LeaseTest, ALeaseWithoutASessionHoldsUntilItExpires) {
  // Taken before migration 0008, or by a binary that records no session.
  add_sources(1);
  db_->exec("UPDATE sources SET lease_owner = 'old:1', lease_expires_at = to_timestamp(" +
            std::to_string(kT0.time_since_epoch().count() + 600) + ")");
  EXPECT_EQ(db_->scalar("SELECT lease_session_alive(NULL)"), "t");
  EXPECT_TRUE(store_->claim_due_sources(kT0, kTenMinutes, 10).empty());
  EXPECT_EQ(store_->leases_held_elsewhere(kT0).size(), 1u);
  EXPECT_EQ(store_->claim_due_sources(kT0 + core::Duration{600}, kTenMinutes, 10).size(), 1u);
}

TEST_F(LeaseTest, ClaimingOneSourceRespectsLiveLeasesOnly) {
  add_sources(1);
  auto a = db_->open("host-a:1");
  ASSERT_EQ(a->claim_due_sources(kT0, kTenMinutes, 10).size(), 1u);
  EXPECT_FALSE(store_->claim_source("https://s0.example/feed", kT0, kTenMinutes)) << "a is alive";
  a.reset();
  std::optional<ClaimedSource> claimed;
  for (int i = 0; i < 500 && !claimed; ++i) {
    claimed = store_->claim_source("https://s0.example/feed", kT0, kTenMinutes);
    if (!claimed) std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  EXPECT_TRUE(claimed.has_value()) << "a's lease died with it";
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
