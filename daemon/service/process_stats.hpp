#pragma once
// The process's own resource use as the kernel reports it under /proc, for
// the standard process_* metrics (named as Prometheus client libraries name
// them). The parsers are pure, for tests; the readers read /proc now.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace fcd::service {

struct ProcessStat {
  double cpu_seconds = 0;  // user + system time
  std::uint64_t virtual_bytes = 0;
  std::uint64_t resident_bytes = 0;
  double started_after_boot_seconds = 0;
};

// The text of /proc/<pid>/stat. The command name in parentheses may hold
// spaces and parentheses itself, so the fields are counted from the last ')'.
// ticks_per_second: sysconf(_SC_CLK_TCK); page_bytes: the page size.
// nullopt when the text is not shaped so.
std::optional<ProcessStat> parse_proc_stat(std::string_view text, long ticks_per_second, long page_bytes);
// The boot time ("btime" line) of the text of /proc/stat, seconds since the
// Unix epoch; nullopt without one.
std::optional<double> parse_boot_time(std::string_view text);

// nullopt when /proc cannot be read (not Linux, /proc not mounted).
std::optional<ProcessStat> read_process_stat();
// Unix time the process started, as the kernel counts it.
std::optional<double> read_process_start_time();
// Entries of /proc/self/fd (the directory handle reading it included, as
// Prometheus clients count).
std::optional<std::size_t> count_open_fds();
// The soft limit of open files (RLIMIT_NOFILE); nullopt when unlimited.
std::optional<std::uint64_t> max_open_fds();

}  // namespace fcd::service
