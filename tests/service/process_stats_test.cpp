// The process_* metrics' sources: /proc/<pid>/stat and /proc/stat as the
// kernel writes them, and this test process's own /proc.
#include <gtest/gtest.h>

#include <chrono>

#include "service/process_stats.hpp"

namespace fcd::service {
namespace {

// proc(5): pid (comm) state ppid ... utime(14) stime(15) ... starttime(22) vsize(23) rss(24) ...
const std::string kStat =
    "1234 (odd (name) x) S 1 1234 1234 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 4 0 12345 104857600 2560 "
    "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessStat, ReadsTheFieldsAfterACommandNameWithParenthesesAndSpaces) {
  const auto stat = parse_proc_stat(kStat, 100, 4096);
  ASSERT_TRUE(stat.has_value());
  EXPECT_DOUBLE_EQ(stat->cpu_seconds, 3.0);
  EXPECT_EQ(stat->virtual_bytes, 104857600u);
  EXPECT_EQ(stat->resident_bytes, 2560u * 4096u);
  EXPECT_DOUBLE_EQ(stat->started_after_boot_seconds, 123.45);
}

TEST(ProcessStat, RefusesTextOfAnotherShape) {
  EXPECT_FALSE(parse_proc_stat("", 100, 4096));
  EXPECT_FALSE(parse_proc_stat("1234 (cut) S 1 2 3", 100, 4096)) << "too few fields";
  EXPECT_FALSE(parse_proc_stat("1234 no parentheses S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22", 100,
                               4096));
  std::string garbled = kStat;
  garbled.replace(garbled.find(" 250 "), 5, " 2x0 ");
  EXPECT_FALSE(parse_proc_stat(garbled, 100, 4096));
  EXPECT_FALSE(parse_proc_stat(kStat, 0, 4096)) << "no tick rate";
}

TEST(ProcessStat, ReadsTheBootTimeLine) {
  EXPECT_EQ(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n"), 1700000000.0);
  EXPECT_FALSE(parse_boot_time("cpu  1 2 3\nbtimex 5\n"));
  EXPECT_FALSE(parse_boot_time("btime soon\n"));
}

TEST(ProcessStat, ThisProcessAsTheKernelCountsIt) {
  const auto stat = read_process_stat();
  ASSERT_TRUE(stat.has_value());
  EXPECT_GT(stat->resident_bytes, 0u);
  EXPECT_GE(stat->virtual_bytes, stat->resident_bytes);
  const auto start = read_process_start_time();
  ASSERT_TRUE(start.has_value());
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(*start, now + 1);
  EXPECT_GT(*start, now - 3600) << "this test started within the hour";
  const auto open = count_open_fds();
  ASSERT_TRUE(open.has_value());
  EXPECT_GE(*open, 3u) << "stdin, stdout, stderr";
  const auto max = max_open_fds();
  if (max) {
    EXPECT_GT(*max, *open);
  }
}

}  // namespace
}  // namespace fcd::service
