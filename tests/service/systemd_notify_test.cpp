#include "service/systemd_notify.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace fcd::service {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// A unix datagram socket standing in for systemd's notification socket.
class NotifySocket {
 public:
  NotifySocket() {
    char pattern[] = "/tmp/fcd-notify-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    path_ = dir_ + "/notify";
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
      throw std::runtime_error(std::string{"bind failed: "} + std::strerror(errno));
  }
  ~NotifySocket() {
    ::close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::string& path() const { return path_; }

  // The next datagram, or "" when none arrives within a second.
  std::string receive() {
    pollfd entry{fd_, POLLIN, 0};
    if (::poll(&entry, 1, 1000) != 1) return {};
    char buffer[4096];
    const ssize_t size = ::recv(fd_, buffer, sizeof buffer, 0);
    return size > 0 ? std::string(buffer, static_cast<std::size_t>(size)) : std::string{};
  }

 private:
  std::string dir_;
  std::string path_;
  int fd_ = -1;
};

class SystemdNotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) ::unsetenv(name);
  }
  void TearDown() override { SetUp(); }
};

TEST_F(SystemdNotifierTest, SendsEachMessageToNotifySocket) {
  NotifySocket socket;
  ::setenv("NOTIFY_SOCKET", socket.path().c_str(), 1);
  SystemdNotifier notifier;
  ASSERT_TRUE(notifier.enabled());

  EXPECT_EQ(notifier.ready("12 sources, 0 errors"), NotifyResult::kSent);
  EXPECT_EQ(socket.receive(), "READY=1\nSTATUS=12 sources, 0 errors");
  EXPECT_EQ(notifier.status("polling\nREADY=1"), NotifyResult::kSent);
  EXPECT_EQ(socket.receive(), "STATUS=polling READY=1");  // no smuggled assignment
  EXPECT_EQ(notifier.watchdog(), NotifyResult::kSent);
  EXPECT_EQ(socket.receive(), "WATCHDOG=1");
  EXPECT_EQ(notifier.reloading(), NotifyResult::kSent);
  EXPECT_THAT(socket.receive(), MatchesRegex("RELOADING=1\nMONOTONIC_USEC=[0-9]+"));
  EXPECT_EQ(notifier.stopping(), NotifyResult::kSent);
  EXPECT_EQ(socket.receive(), "STOPPING=1");
}

TEST_F(SystemdNotifierTest, DoesNothingWithoutNotifySocket) {
  SystemdNotifier notifier;
  EXPECT_FALSE(notifier.enabled());
  EXPECT_EQ(notifier.ready("x"), NotifyResult::kDisabled);
  EXPECT_EQ(notifier.status("x"), NotifyResult::kDisabled);
  EXPECT_EQ(notifier.watchdog(), NotifyResult::kDisabled);
  EXPECT_EQ(notifier.reloading(), NotifyResult::kDisabled);
  EXPECT_EQ(notifier.stopping(), NotifyResult::kDisabled);
  EXPECT_FALSE(notifier.watchdog_interval());
}

TEST_F(SystemdNotifierTest, ReportsAFailedSend) {
  ::setenv("NOTIFY_SOCKET", "/nonexistent/fcd-notify", 1);
  SystemdNotifier notifier;
  EXPECT_EQ(notifier.watchdog(), NotifyResult::kFailed);
  EXPECT_EQ(notifier.watchdog(), NotifyResult::kFailed);
}

TEST_F(SystemdNotifierTest, ReadsTheWatchdogIntervalForThisProcessOnly) {
  ::setenv("WATCHDOG_USEC", "5000000", 1);
  EXPECT_EQ(SystemdNotifier{}.watchdog_interval(), std::chrono::microseconds{5'000'000});
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(SystemdNotifier{}.watchdog_interval(), std::chrono::microseconds{5'000'000});
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  EXPECT_FALSE(SystemdNotifier{}.watchdog_interval());
}

class ProgressWatchdogTest : public ::testing::Test {
 protected:
  // Moves time on while the loop keeps turning, so only the stage under test
  // can be stuck.
  void run_for(core::Duration span) {
    for (core::Duration step = 0s; step < span; step += 10s) {
      clock_.advance(std::min<core::Duration>(10s, span - step));
      watchdog_.loop_turned();
    }
  }

  core::ManualWallClock clock_{core::TimePoint{std::chrono::seconds{1'800'000'000}}};
  ProgressLimits limits_{.loop = 30s, .polling = 180s, .ingest = 300s, .clustering = 300s};
  ProgressWatchdog watchdog_{clock_, limits_};
};

TEST_F(ProgressWatchdogTest, IdleDaemonWhoseLoopTurnsIsProgressing) {
  run_for(24h);
  EXPECT_TRUE(watchdog_.check().progressing);
}

TEST_F(ProgressWatchdogTest, StalledLoopIsNotProgressing) {
  clock_.advance(30s);
  EXPECT_TRUE(watchdog_.check().progressing);
  clock_.advance(1s);
  const ProgressVerdict verdict = watchdog_.check();
  EXPECT_FALSE(verdict.progressing);
  EXPECT_EQ(verdict.reason, "event loop has not turned for 31s");
  watchdog_.loop_turned();
  EXPECT_TRUE(watchdog_.check().progressing);
}

TEST_F(ProgressWatchdogTest, DuePollsMustStart) {
  run_for(1h);  // the last poll started long ago; that alone is no stall
  watchdog_.polls_due(true);
  run_for(180s);
  EXPECT_TRUE(watchdog_.check().progressing);
  run_for(10s);
  EXPECT_FALSE(watchdog_.check().progressing);
  EXPECT_THAT(watchdog_.check().reason, HasSubstr("no poll has started for 190s"));

  watchdog_.poll_started();  // still due: more sources wait, but polls move
  watchdog_.polls_due(true);
  EXPECT_TRUE(watchdog_.check().progressing);
  run_for(190s);
  EXPECT_FALSE(watchdog_.check().progressing);

  watchdog_.polls_due(false);  // nothing due: nothing to start
  run_for(1h);
  EXPECT_TRUE(watchdog_.check().progressing);
}

TEST_F(ProgressWatchdogTest, QueuesWithWorkMustMove) {
  run_for(1h);
  watchdog_.ingest_queued(5);  // work into an empty queue starts its clock now
  watchdog_.clustering_queued(40);
  run_for(300s);
  EXPECT_TRUE(watchdog_.check().progressing);
  run_for(10s);
  EXPECT_FALSE(watchdog_.check().progressing);
  EXPECT_EQ(watchdog_.check().reason, "ingest queue holds 5 and has not moved for 310s");

  watchdog_.ingest_drained(2);
  EXPECT_FALSE(watchdog_.check().progressing);
  EXPECT_EQ(watchdog_.check().reason, "clustering backlog holds 40 and has not moved for 310s");
  watchdog_.clustering_drained(39);
  EXPECT_TRUE(watchdog_.check().progressing);

  watchdog_.ingest_queued(7);  // more work into a non-empty queue: its clock keeps running
  run_for(300s);
  watchdog_.clustering_drained(0);
  run_for(10s);
  EXPECT_FALSE(watchdog_.check().progressing);
  watchdog_.ingest_drained(0);
  run_for(1h);
  EXPECT_TRUE(watchdog_.check().progressing);
}

TEST(AssessProgress, IsAPureFunctionOfMarksAndNow) {
  const core::TimePoint t0{std::chrono::seconds{1'000'000}};
  ProgressMarks marks;
  marks.last_loop_turn = t0;
  marks.last_poll_started = t0;
  marks.last_ingest_drain = t0;
  marks.last_clustering_drain = t0;
  const ProgressLimits limits;
  EXPECT_TRUE(assess_progress(marks, t0 + 30s, limits).progressing);
  EXPECT_TRUE(assess_progress(marks, t0 + 30s, limits).reason.empty());
  EXPECT_FALSE(assess_progress(marks, t0 + 31s, limits).progressing);

  marks.last_loop_turn = t0 + 1h;
  marks.polls_due_since = t0 + 1h - 181s;
  EXPECT_FALSE(assess_progress(marks, t0 + 1h, limits).progressing);
  marks.last_poll_started = t0 + 1h - 1s;
  EXPECT_TRUE(assess_progress(marks, t0 + 1h, limits).progressing);
}

}  // namespace
}  // namespace fcd::service
