// Issue 18 row 5: text from feeds and servers reaches log messages; neither
// format may let it start a forged line or send a terminal escape.
#include "log/log.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <string>

namespace fcd::log {
namespace {

std::string formatted(Format format, std::string_view message) {
  Options options;
  options.format = format;
  options.journal = true;  // no timestamp: the line is deterministic
  const auto formatter = make_formatter(options);
  spdlog::details::log_msg msg("fetch", spdlog::level::warn, spdlog::string_view_t(message.data(), message.size()));
  spdlog::memory_buf_t out;
  formatter->format(msg, out);
  return std::string(out.data(), out.size());
}

const std::string kHostile = "feed link http://x/\nfeedclusterd: forged line\r\x1b]0;owned\x07 \xc2\x9b" "31m\x7f";

TEST(Log, TextFormatEscapesControlCharacters) {
  EXPECT_EQ(formatted(Format::kText, kHostile),
            "<4>warn fetch: feed link http://x/\\nfeedclusterd: forged line\\r\\u001b]0;owned\\u0007 \\u009b31m\\u007f\n");
  EXPECT_EQ(formatted(Format::kText, "tab\there \"quoted\" back\\slash caf\xc3\xa9"),
            "<4>warn fetch: tab\\there \"quoted\" back\\slash caf\xc3\xa9\n");
}

TEST(Log, JsonFormatEscapesControlCharacters) {
  EXPECT_EQ(formatted(Format::kJson, kHostile),
            "<4>{\"level\":\"warn\",\"logger\":\"fetch\",\"msg\":\"feed link http://x/\\nfeedclusterd: forged "
            "line\\r\\u001b]0;owned\\u0007 \\u009b31m\\u007f\"}\n");
}

// Issue 17: `warn` configured, `warning` printed. Every level prints by the
// name log.level takes, with its journal priority.
TEST(Log, LevelsPrintByTheirConfiguredNamesWithTheirPriority) {
  Options options;
  options.journal = true;
  const auto formatter = make_formatter(options);
  const std::pair<spdlog::level::level_enum, std::string> expected[] = {
      {spdlog::level::debug, "<7>debug"}, {spdlog::level::info, "<6>info"},     {spdlog::level::warn, "<4>warn"},
      {spdlog::level::err, "<3>error"},   {spdlog::level::critical, "<2>critical"}};
  for (const auto& [level, prefix] : expected) {
    spdlog::details::log_msg msg("store", level, "x");
    spdlog::memory_buf_t out;
    formatter->format(msg, out);
    EXPECT_EQ(std::string(out.data(), out.size()), prefix + " store: x\n");
    EXPECT_TRUE(set_level(prefix.substr(3))) << "a printed name is a level log.level takes";
  }
}

// Issue 17: JSON logs carried only msg. An event's fields become members of
// its object, escaped like the message; the text format shows the message.
TEST(Log, JsonEventsCarryTheirFields) {
  for (const auto format : {Format::kJson, Format::kText}) {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    sink->set_formatter(make_formatter({.level = "info", .format = format, .journal = true}));
    spdlog::logger logger("poll", sink);
    event(logger, spdlog::level::warn,
          {{"source", "https://a.example/feed\"x"}, {"status", std::int64_t{404}}, {"next_try", "2026-12-05T10:00:00Z"}},
          "source {}: HTTP {}", "https://a.example/feed\"x", 404);
    logger.warn("no fields");
    if (format == Format::kJson) {
      EXPECT_EQ(out.str(),
                "<4>{\"level\":\"warn\",\"logger\":\"poll\",\"msg\":\"source https://a.example/feed\\\"x: HTTP 404\","
                "\"source\":\"https://a.example/feed\\\"x\",\"status\":404,\"next_try\":\"2026-12-05T10:00:00Z\"}\n"
                "<4>{\"level\":\"warn\",\"logger\":\"poll\",\"msg\":\"no fields\"}\n");
    } else {
      EXPECT_EQ(out.str(), "<4>warn poll: source https://a.example/feed\"x: HTTP 404\n<4>warn poll: no fields\n");
    }
  }
}

}  // namespace
}  // namespace fcd::log
