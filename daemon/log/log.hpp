#pragma once
// Named loggers over one shared sink set.
//
// setup() is called once by the front end before any thread starts. Output goes
// to stderr: under systemd (JOURNAL_STREAM set) each line starts with a
// "<N>" syslog priority (also before a JSON object: journald strips it) and
// carries no timestamp, because journald stamps its own; otherwise lines carry
// an RFC 3339 UTC time. The JSON format writes one object per line with
// escaped message text. Levels print by the names log.level takes (trace,
// debug, info, warn, error, critical).
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>
#include <string>
#include <string_view>
#include <variant>

namespace fcd::log {

enum class Format { kText, kJson };

struct Options {
  std::string level = "info";
  Format format = Format::kText;
  bool journal = false;  // true when stderr is connected to journald
};

// True when the process's stderr is the systemd journal (JOURNAL_STREAM names it).
bool stderr_is_journal();

// The line format setup() installs. In both formats every control character of
// a message (C0, DEL, C1) is escaped (\n, \r, \t, \u001b, ...), so text that
// came from a feed or a server cannot forge a line or drive a terminal.
std::unique_ptr<spdlog::formatter> make_formatter(const Options& options);

// text with its control characters escaped as the text log does: for printing
// text that came from a feed, a server or the database on a terminal.
std::string printable(std::string_view text);

// Replaces the sinks and formats of every logger; safe to call again on reload.
void setup(const Options& options);

// Reports an error that ends the process (a bad configuration, an unreachable
// database at start-up) as a critical line through the logger, so that it has
// a journal priority; sets logging up with the defaults first when the
// configuration that would set it up could not be read.
void fatal(std::string_view message);

// One structured field of a log event: in the JSON format a member of the
// line's object beside "msg" ("source", "status", "next_try", ...), a
// string or a number; the text format shows the message only, which says
// the same in words.
struct Field {
  std::string_view key;  // a JSON-safe name: letters, digits, '_'
  std::variant<std::string_view, std::int64_t> value;
};

// Logs one event with its fields. The fields live for the call only (the
// loggers format synchronously, on the calling thread).
void log_with_fields(spdlog::logger& logger, spdlog::level::level_enum level, std::initializer_list<Field> fields,
                     std::string_view message);

template <typename... Args>
void event(spdlog::logger& logger, spdlog::level::level_enum level, std::initializer_list<Field> fields,
           spdlog::format_string_t<Args...> format, Args&&... args) {
  if (!logger.should_log(level)) return;
  log_with_fields(logger, level, fields, fmt::format(format, std::forward<Args>(args)...));
}

// Changes the level of every logger (reload); false when the name is unknown.
bool set_level(std::string_view level);

// The logger for a module ("fetch", "store", ...), created on first use.
std::shared_ptr<spdlog::logger> get(const std::string& name);

}  // namespace fcd::log
