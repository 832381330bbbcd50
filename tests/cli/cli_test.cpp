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

}  // namespace
