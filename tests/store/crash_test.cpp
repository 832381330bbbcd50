// Store-level crash test: an ingesting process is killed with SIGKILL at
// random points, restarted (as a new instance), and in the end every item of
// every poll is stored exactly once with its source's fetch state. (The
// daemon-level version needs the run loop; this one drives the store alone.)
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "test_database.hpp"

namespace fcd::store::test {
namespace {

// Enough polls that an uninterrupted ingest outlasts several kill delays even
// on an idle machine (a poll's commit is one round trip, about a millisecond).
constexpr int kSources = 12;
constexpr int kPolls = 24;
constexpr int kWindow = 12;  // items a feed shows per poll
constexpr int kStep = 4;     // new items per poll

const core::TimePoint kBase{core::Duration{1'750'000'000}};

// Poll p of a feed shows items [p * kStep, p * kStep + kWindow): each poll
// repeats most of the previous one, as real feeds do.
std::vector<ArticleInput> feed_items(int poll) {
  std::vector<ArticleInput> items;
  for (int i = poll * kStep; i < poll * kStep + kWindow; ++i) {
    ArticleInput a;
    a.guid = "item-" + std::to_string(i);
    a.title = "Item " + std::to_string(i);
    a.summary = "Summary of item " + std::to_string(i);
    items.push_back(a);
  }
  return items;
}

// One incarnation of the ingesting process: polls until nothing is due. The
// poll number travels in the ETag, so a restart resumes from the database.
int ingest_until_done(const std::string& url, int incarnation) {
  try {
    StoreOptions options;
    options.url = url;
    options.instance_id = "crash-" + std::to_string(incarnation);
    Store store{options};
    // Each incarnation starts later than the last one's leases run.
    const core::TimePoint now = kBase + core::Duration{1000 * incarnation};
    for (;;) {
      const auto claimed = store.claim_due_sources(now, core::Duration{300}, 2);
      if (claimed.empty()) return 0;
      for (const auto& s : claimed) {
        const int poll = s.etag ? std::stoi(s.etag->substr(1)) + 1 : 0;
        FetchOutcome outcome;
        outcome.http_status = 200;
        outcome.etag = "p" + std::to_string(poll);
        outcome.next_poll_at = poll + 1 < kPolls ? now : now + core::Duration{365 * 86400};
        store.commit_poll(s.id, feed_items(poll), outcome, now);
      }
    }
  } catch (const std::exception&) {
    return 1;
  }
}

TEST(CrashTest, KilledAtRandomPointsEveryItemStoredExactlyOnce) {
  TestDatabase db;
  {
    auto store = db.open();
    std::vector<SourceSpec> specs;
    for (int i = 0; i < kSources; ++i) specs.push_back({"https://crash" + std::to_string(i) + ".example/feed", {}, {}, {}, {}});
    store->upsert_sources(specs, SourceOrigin::kCli);
  }
  std::mt19937 rng{20260807};
  std::uniform_int_distribution<int> delay_ms{0, 30};
  const int per_source = (kPolls - 1) * kStep + kWindow;
  const int total = kSources * per_source;
  const auto stored_articles = [&db] { return std::stoi(db.scalar("SELECT count(*) FROM articles")); };
  int incarnation = 1, kills = 0, kills_mid_ingest = 0;
  for (; incarnation <= 40; ++incarnation) {
    const int stored_before = stored_articles();
    const pid_t child = fork();
    ASSERT_NE(child, -1);
    if (child == 0) _exit(ingest_until_done(db.url(), incarnation));
    // The random delay starts once the child has stored something: counted
    // from the fork, it can run out before the first commit every time on a
    // loaded machine, where starting up and connecting take longer.
    int status = 0;
    pid_t exited = 0;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (exited != child && stored_articles() == stored_before && std::chrono::steady_clock::now() < give_up) {
      exited = waitpid(child, &status, WNOHANG);
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
    if (exited != child) {
      std::this_thread::sleep_for(std::chrono::milliseconds{delay_ms(rng)});
      kill(child, SIGKILL);
      ASSERT_EQ(waitpid(child, &status, 0), child);
    }
    if (WIFEXITED(status)) {
      ASSERT_EQ(WEXITSTATUS(status), 0);
      break;  // finished before the kill
    }
    ++kills;
    const int stored = stored_articles();
    if (stored > 0 && stored < total) ++kills_mid_ingest;
    if (kills >= 12) {
      ++incarnation;
      break;
    }
  }
  // The last incarnation runs to the end.
  ASSERT_EQ(ingest_until_done(db.url(), incarnation + 1), 0);
  EXPECT_GE(kills_mid_ingest, 1) << "the test must kill a process in the middle of the ingest (" << kills
                                  << " kills)";

  EXPECT_EQ(db.scalar("SELECT count(*) FROM articles"), std::to_string(total));
  EXPECT_EQ(db.scalar("SELECT count(DISTINCT (source_id, guid)) FROM articles"), std::to_string(total));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM sources WHERE etag = 'p" + std::to_string(kPolls - 1) + "'"),
            std::to_string(kSources))
      << "every source's last poll committed with its state";
  EXPECT_EQ(db.scalar("SELECT count(*) FROM (SELECT source_id FROM articles GROUP BY source_id HAVING"
                      " count(*) = " + std::to_string(per_source) + " AND min(guid) = 'item-0') x"),
            std::to_string(kSources));
}

}  // namespace
}  // namespace fcd::store::test
