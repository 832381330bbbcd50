#include "service/process_stats.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace fcd::service {

namespace {

// Fields of /proc/<pid>/stat counted from 1 (pid) as proc(5) numbers them;
// the text after the command name starts at field 3 (state).
constexpr std::size_t kFirstAfterName = 3;
constexpr std::size_t kUserTicks = 14, kSystemTicks = 15, kStartTicks = 22, kVirtualBytes = 23, kResidentPages = 24;

template <typename Number>
std::optional<Number> number(std::string_view text) {
  Number value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::string> read_text(const char* path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::ostringstream text;
  text << file.rdbuf();
  return std::move(text).str();
}

}  // namespace

std::optional<ProcessStat> parse_proc_stat(std::string_view text, long ticks_per_second, long page_bytes) {
  const auto name_end = text.rfind(')');
  if (name_end == std::string_view::npos || ticks_per_second <= 0 || page_bytes <= 0) return std::nullopt;
  std::vector<std::string_view> fields;
  std::string_view rest = text.substr(name_end + 1);
  while (!rest.empty()) {
    const auto start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const auto end = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  const auto field = [&fields](std::size_t n) -> std::optional<std::uint64_t> {
    if (n - kFirstAfterName >= fields.size()) return std::nullopt;
    return number<std::uint64_t>(fields[n - kFirstAfterName]);
  };
  const auto user = field(kUserTicks), system = field(kSystemTicks), start = field(kStartTicks);
  const auto virtual_bytes = field(kVirtualBytes), resident_pages = field(kResidentPages);
  if (!user || !system || !start || !virtual_bytes || !resident_pages) return std::nullopt;
  const double ticks = double(ticks_per_second);
  return ProcessStat{.cpu_seconds = double(*user + *system) / ticks,
                     .virtual_bytes = *virtual_bytes,
                     .resident_bytes = *resident_pages * static_cast<std::uint64_t>(page_bytes),
                     .started_after_boot_seconds = double(*start) / ticks};
}

std::optional<double> parse_boot_time(std::string_view text) {
  constexpr std::string_view kKey = "btime ";
  for (std::size_t at = 0; at < text.size();) {
    const auto end = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, end - at);
    if (line.starts_with(kKey))
      if (const auto seconds = number<std::uint64_t>(line.substr(kKey.size()))) return double(*seconds);
    at = end + 1;
  }
  return std::nullopt;
}

std::optional<ProcessStat> read_process_stat() {
  const auto text = read_text("/proc/self/stat");
  if (!text) return std::nullopt;
  return parse_proc_stat(*text, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE));
}

std::optional<double> read_process_start_time() {
  const auto stat = read_process_stat();
  const auto system = read_text("/proc/stat");
  if (!stat || !system) return std::nullopt;
  const auto boot = parse_boot_time(*system);
  if (!boot) return std::nullopt;
  return *boot + stat->started_after_boot_seconds;
}

std::optional<std::size_t> count_open_fds() {
  std::error_code error;
  std::filesystem::directory_iterator entries("/proc/self/fd", error);
  if (error) return std::nullopt;
  std::size_t count = 0;
  for (auto it = std::filesystem::begin(entries); it != std::filesystem::end(entries); it.increment(error)) {
    if (error) return std::nullopt;
    ++count;
  }
  return count;
}

std::optional<std::uint64_t> max_open_fds() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return std::nullopt;
  return static_cast<std::uint64_t>(limit.rlim_cur);
}

}  // namespace fcd::service
