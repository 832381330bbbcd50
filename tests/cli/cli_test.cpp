#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

struct Outcome {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// environment: "NAME=value ..." set for the command.
Outcome run(const std::string& arguments, const std::string& environment = "") {
  const std::string command = environment + " " + std::string{FCD_EXECUTABLE} + " " + arguments + " 2>&1";
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

// Issue 17: check-config accepted listen addresses that run refused, and run
// exited 1 after syncing the sources. Both now refuse them with file:line and
// exit 2, run before it touches the database (unreachable here).
TEST(Cli, CheckConfigAndRunRefuseABadListenAddressWithExitTwo) {
  for (const std::string listen : {"localhost", "127.0.0.1:99999"}) {
    const auto path = write_temp("listen.toml", "[log]\nlevel = \"info\"\n[http]\nlisten = \"" + listen + "\"\n");
    const auto checked = run("check-config " + path);
    EXPECT_EQ(checked.exit_code, 2) << checked.output;
    EXPECT_NE(checked.output.find(path + ":4: key 'http.listen'"), std::string::npos) << checked.output;
    for (const auto& order : {"--config " + path + " run", "run --config " + path}) {
      const auto ran = run(order, "FEEDCLUSTERD_DATABASE_URL=postgresql://127.0.0.1:1/none");
      EXPECT_EQ(ran.exit_code, 2) << order << ": " << ran.output;
      EXPECT_NE(ran.output.find(path + ":4: key 'http.listen'"), std::string::npos) << ran.output;
      EXPECT_EQ(ran.output.find("database"), std::string::npos) << "refused before the database: " << ran.output;
    }
  }
}

TEST(Cli, GlobalOptionsAreAcceptedAfterTheCommand) {
  const auto path = write_temp("range2.toml", "[fetch]\nmax_redirects = 99\n");
  const auto outcome = run("check-config --config " + path);
  EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
  EXPECT_NE(outcome.output.find("fetch.max_redirects"), std::string::npos) << outcome.output;
}

TEST(Cli, SourcesAddAppliesTheIntervalRuleOfTheConfigFile) {
  for (const std::string interval : {"3s", "0s", "91d"}) {
    const auto outcome = run("sources add https://a.example/feed --interval " + interval);
    EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
    EXPECT_NE(outcome.output.find("--interval: "), std::string::npos) << outcome.output;
    EXPECT_NE(outcome.output.find("between 10s and 90d"), std::string::npos) << outcome.output;
    EXPECT_EQ(outcome.output.find("constraint"), std::string::npos) << outcome.output;
  }
}

// A database of its own on the test server (FEEDCLUSTERD_TEST_DATABASE_URL),
// dropped at the end; created and dropped with psql, as an operator would.
class CliDatabase : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* server = std::getenv("FEEDCLUSTERD_TEST_DATABASE_URL");
    ASSERT_NE(server, nullptr) << "FEEDCLUSTERD_TEST_DATABASE_URL is not set (scripts/test sets it)";
    server_ = server;
    name_ = "fcd_cli_" + std::to_string(getpid());
    ASSERT_EQ(psql("CREATE DATABASE " + name_), 0);
    url_ = server_.substr(0, server_.rfind('/') + 1) + name_;
  }
  void TearDown() override {
    if (!name_.empty()) psql("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  int psql(const std::string& sql) const {
    return std::system(("psql '" + server_ + "' -qc '" + sql + "' >/dev/null").c_str());
  }
  Outcome with_database(const std::string& arguments) const {
    return run(arguments, "FEEDCLUSTERD_DATABASE_URL='" + url_ + "'");
  }
  std::string server_, name_, url_;
};

// Issue 17: an edit of a source the config file lists was silently undone by
// the next sync; it is refused, naming the file.
TEST_F(CliDatabase, SourcesCommandsRefuseToChangeWhatTheConfigFileManages) {
  const std::string listed = "http://127.0.0.1:9/listed.xml";  // port 9: refused at once
  const auto config = write_temp("managed.toml", "[http]\nlisten = \"\"\n[[sources]]\nurl = \"" + listed + "\"\n");
  ASSERT_EQ(with_database("--config " + config + " migrate").exit_code, 0);
  with_database("--config " + config + " poll-once");  // syncs the file's sources; the poll itself fails

  const auto edit = with_database("--config " + config + " sources add " + listed + " --title Mine");
  EXPECT_EQ(edit.exit_code, 2) << edit.output;
  EXPECT_NE(edit.output.find("managed by the config file " + config), std::string::npos) << edit.output;
  const auto added = with_database("--config " + config + " sources add http://127.0.0.1:9/mine.xml --interval 15m");
  EXPECT_EQ(added.exit_code, 0) << added.output;

  // Gone from the file: the sync disables it, and would disable it again.
  const auto emptied = write_temp("managed.toml", "[http]\nlisten = \"\"\n");
  with_database("--config " + emptied + " poll-once");
  const auto enable = with_database("--config " + emptied + " sources enable " + listed);
  EXPECT_EQ(enable.exit_code, 2) << enable.output;
  EXPECT_NE(enable.output.find("removed from the config file " + emptied), std::string::npos) << enable.output;

  const auto list = with_database("--config " + emptied + " sources list --json");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  const auto row = list.output.find(listed);
  ASSERT_NE(row, std::string::npos) << list.output;
  const auto start = list.output.rfind('\n', row) + 1;  // npos + 1 = 0 on the first line
  const auto line = list.output.substr(start, list.output.find('\n', row) - start);
  EXPECT_NE(line.find("\"enabled\":false"), std::string::npos) << line;
  EXPECT_NE(line.find("\"next_poll_at\":null"), std::string::npos) << "a disabled source has no next poll: " << line;
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
