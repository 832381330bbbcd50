// Issue 18 row 5: text from feeds and servers reaches log messages; neither
// format may let it start a forged line or send a terminal escape.
#include "log/log.hpp"

#include <gtest/gtest.h>

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
            "<4>warning fetch: feed link http://x/\\nfeedclusterd: forged line\\r\\u001b]0;owned\\u0007 \\u009b31m\\u007f\n");
  EXPECT_EQ(formatted(Format::kText, "tab\there \"quoted\" back\\slash caf\xc3\xa9"),
            "<4>warning fetch: tab\\there \"quoted\" back\\slash caf\xc3\xa9\n");
}

TEST(Log, JsonFormatEscapesControlCharacters) {
  EXPECT_EQ(formatted(Format::kJson, kHostile),
            "{\"level\":\"warning\",\"logger\":\"fetch\",\"msg\":\"feed link http://x/\\nfeedclusterd: forged "
            "line\\r\\u001b]0;owned\\u0007 \\u009b31m\\u007f\"}\n");
}

}  // namespace
}  // namespace fcd::log
