#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

namespace {

struct Outcome {
  int exit_code;
  std::string output;  // stdout and stderr together
};

Outcome run(const std::string& arguments) {
  const std::string command = std::string{FCD_EXECUTABLE} + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string output;
  std::array<char, 4096> buffer{};
  while (auto n = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = std::string{FCD_BINARY_DIR} + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(Cli, VersionExitsZero) {
  const auto outcome = run("version");
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_NE(outcome.output.find("feedclusterd "), std::string::npos);
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run("").exit_code, 2);
  EXPECT_EQ(run("no-such-command").exit_code, 2);
  EXPECT_EQ(run("check-config --no-such-flag").exit_code, 2);
}

TEST(Cli, HelpExitsZero) {
  EXPECT_EQ(run("--help").exit_code, 0);
  EXPECT_EQ(run("check-config --help").exit_code, 0);
}

TEST(Cli, CheckConfigAcceptsTheExample) {
  const auto outcome = run("check-config " FCD_SOURCE_DIR "/config.example.toml");
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
}

TEST(Cli, CheckConfigNamesLineAndKeyOfATypo) {
  const auto path = write_temp("typo.toml", "[log]\nlevel = \"info\"\n\n[fetch]\nmax_concurent = 8\n");
  const auto outcome = run("check-config " + path);
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.output.find(path + ":5: key 'fetch.max_concurent': unknown key"), std::string::npos)
      << outcome.output;
}

TEST(Cli, CheckConfigUsesGlobalConfigOption) {
  const auto path = write_temp("range.toml", "[fetch]\nmax_redirects = 99\n");
  const auto outcome = run("--config " + path + " check-config");
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.output.find("fetch.max_redirects"), std::string::npos) << outcome.output;
}

TEST(Cli, CheckConfigOfAMissingFileExitsTwo) {
  const auto outcome = run("check-config /nonexistent/config.toml");
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.output.find("cannot read"), std::string::npos);
}

// The parse command end to end. In the sanitizer build a leak or a memory
// error at exit makes the exit code non-zero, so these also check that.
const std::string kTwoItemFeed =
    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire &amp; Co</title>"
    "<link>https://example.org/</link>"
    "<item><title>Summit opens</title><link>/a</link><pubDate>Fri, 15 Aug 2025 15:00:00 GMT</pubDate>"
    "<description>&lt;p&gt;Leaders &amp;nbsp;met.&lt;/p&gt;</description></item>"
    "<item><title>Summit ends</title><guid>b-2</guid></item></channel></rss>";

TEST(Cli, ParsePrintsASummaryOfEveryEntry) {
  const auto outcome = run("parse " + write_temp("two.xml", kTwoItemFeed));
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_NE(outcome.output.find("format:   rss 2.0"), std::string::npos) << outcome.output;
  EXPECT_NE(outcome.output.find("entries:  2\n"), std::string::npos) << outcome.output;
  EXPECT_NE(outcome.output.find("2025-08-15T15:00:00Z  Summit opens"), std::string::npos) << outcome.output;
  EXPECT_NE(outcome.output.find("Summit ends"), std::string::npos) << outcome.output;
}

TEST(Cli, ParseJsonPrintsOneObjectWithResolvedLinks) {
  const auto outcome = run("parse --json --base-url https://example.org/feed " + write_temp("two.xml", kTwoItemFeed));
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_EQ(outcome.output.front(), '{') << outcome.output;
  EXPECT_NE(outcome.output.find("\"title\": \"Wire & Co\""), std::string::npos) << outcome.output;
  EXPECT_NE(outcome.output.find("\"link\": \"https://example.org/a\""), std::string::npos) << outcome.output;
  EXPECT_NE(outcome.output.find("\"id\": \"b-2\""), std::string::npos) << outcome.output;
}

TEST(Cli, ParseOfAnHtmlPageExitsOneAndInventsNothing) {
  const auto path = write_temp("page.html", "<!DOCTYPE html><html><body><h1>Not a feed</h1></body></html>");
  for (const std::string flags : {"", "--json "}) {
    const auto outcome = run("parse " + flags + path);
    EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
    EXPECT_EQ(outcome.output.find("\"entries\""), std::string::npos) << outcome.output;
    EXPECT_EQ(outcome.output.find("entries:"), std::string::npos) << outcome.output;
  }
}

}  // namespace
