#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/config.hpp"

namespace fcd::config {
namespace {

using namespace std::chrono_literals;

ConfigError error_of(const std::string& text) {
  try {
    parse_config(text, "test.toml");
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return ConfigError("", 0, "", "");
}

TEST(Config, ExampleFileIsValidAndMatchesTheDefaults) {
  const Config example = load_config_file(FCD_SOURCE_DIR "/config.example.toml");
  const Config defaults;
  EXPECT_EQ(example.database.url, defaults.database.url);
  EXPECT_EQ(example.database.pool_size, defaults.database.pool_size);
  EXPECT_EQ(example.polling.default_interval, defaults.polling.default_interval);
  EXPECT_EQ(example.polling.max_interval, defaults.polling.max_interval);
  EXPECT_EQ(example.fetch.max_concurrent, defaults.fetch.max_concurrent);
  EXPECT_EQ(example.fetch.max_body_bytes, defaults.fetch.max_body_bytes);
  EXPECT_EQ(example.fetch.permanent_redirect_grace, defaults.fetch.permanent_redirect_grace);
  EXPECT_EQ(example.parse.max_items, defaults.parse.max_items);
  EXPECT_EQ(example.cluster.window, defaults.cluster.window);
  EXPECT_EQ(example.http.listen, defaults.http.listen);
  EXPECT_EQ(example.service.shutdown_timeout, defaults.service.shutdown_timeout);
  EXPECT_TRUE(example.sources.empty());
}

TEST(Config, EmptyFileGivesDefaults) {
  const Config config = parse_config("", "empty.toml");
  EXPECT_EQ(config.log.level, "info");
  EXPECT_EQ(config.log.format, LogFormat::kText);
  EXPECT_TRUE(config.database.auto_migrate);
}

TEST(Config, ReadsSourcesAndDurations) {
  const Config config = parse_config(R"(
[polling]
default_interval = "1h"
min_interval = 300
[log]
format = "json"
[fetch.host_requests_per_minute]
"feeds.example.com" = 10
[[sources]]
url = "https://example.com/feed.xml"
title = "Example"
interval = "15m"
tags = ["world", "en"]
[[sources]]
url = "http://other.example/rss"
enabled = false
)",
                                     "sources.toml");
  EXPECT_EQ(config.polling.default_interval, 1h);
  EXPECT_EQ(config.polling.min_interval, 5min);
  EXPECT_EQ(config.log.format, LogFormat::kJson);
  EXPECT_EQ(config.fetch.host_requests_per_minute.at("feeds.example.com"), 10);
  ASSERT_EQ(config.sources.size(), 2u);
  EXPECT_EQ(config.sources[0].title, "Example");
  EXPECT_EQ(config.sources[0].interval, 15min);
  EXPECT_EQ(config.sources[0].tags, (std::vector<std::string>{"world", "en"}));
  EXPECT_FALSE(config.sources[1].title);
  EXPECT_FALSE(config.sources[1].enabled);
}

TEST(Config, UnknownKeyNamesFileLineAndKey) {
  const auto e = error_of("[fetch]\nmax_concurrent = 10\nmax_per_hots = 2\n");
  EXPECT_EQ(e.file(), "test.toml");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.key(), "fetch.max_per_hots");
  EXPECT_EQ(std::string{e.what()}, "test.toml:3: key 'fetch.max_per_hots': unknown key");
}

TEST(Config, UnknownSectionAndSourceKeyAreErrors) {
  EXPECT_EQ(error_of("[fetchh]\nx = 1\n").key(), "fetchh");
  const auto e = error_of("[[sources]]\nurl = \"https://a.example/\"\n[[sources]]\nurl = \"https://b.example/\"\ntitel = \"B\"\n");
  EXPECT_EQ(e.key(), "sources[1].titel");
  EXPECT_EQ(e.line(), 5);
}

TEST(Config, WrongTypeIsAnError) {
  const auto e = error_of("[database]\nauto_migrate = \"yes\"\n");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.key(), "database.auto_migrate");
  EXPECT_NE(e.reason().find("expected true or false"), std::string::npos);
  EXPECT_EQ(error_of("[fetch]\nmax_concurrent = \"many\"\n").key(), "fetch.max_concurrent");
  EXPECT_EQ(error_of("[cluster]\nwindow = true\n").key(), "cluster.window");
}

TEST(Config, OutOfRangeIsAnError) {
  const auto e = error_of("[fetch]\nmax_concurrent = 0\n");
  EXPECT_EQ(e.key(), "fetch.max_concurrent");
  EXPECT_NE(e.reason().find("out of range"), std::string::npos);
  EXPECT_EQ(error_of("[polling]\nmin_interval = \"1s\"\n").key(), "polling.min_interval");
  EXPECT_EQ(error_of("[polling]\nmin_interval = \"2h\"\nmax_interval = \"1h\"\n").key(), "polling.min_interval");
  EXPECT_EQ(error_of("[log]\nlevel = \"loud\"\n").key(), "log.level");
  EXPECT_EQ(error_of("[cluster]\nwindow = \"soon\"\n").key(), "cluster.window");
}

TEST(Config, SourcesAreValidated) {
  EXPECT_EQ(error_of("[[sources]]\ntitle = \"no url\"\n").key(), "sources[0].url");
  EXPECT_EQ(error_of("[[sources]]\nurl = \"ftp://x.example/feed\"\n").key(), "sources[0].url");
  EXPECT_EQ(error_of("[[sources]]\nurl = \"file:///var/feeds/a.xml\"\n").key(), "sources[0].url");
  const auto twice = error_of("[[sources]]\nurl = \"https://a.example/\"\n[[sources]]\nurl = \"https://a.example/\"\n");
  EXPECT_EQ(twice.key(), "sources[1].url");
  EXPECT_EQ(twice.line(), 4);
}

// Issue 18 row 3: a proxy resolves and connects out of the daemon's sight, so
// block_private_addresses could not hold; check-config says so.
TEST(Config, ProxyWithBlockPrivateAddressesIsRefused) {
  const auto e = error_of("[fetch]\nproxy = \"http://proxy.example:3128\"\nblock_private_addresses = true\n");
  EXPECT_EQ(e.key(), "fetch.proxy");
  EXPECT_NE(e.reason().find("block_private_addresses"), std::string::npos);
  EXPECT_NO_THROW(parse_config("[fetch]\nproxy = \"http://proxy.example:3128\"\n", "test.toml"));
  EXPECT_NO_THROW(parse_config("[fetch]\nblock_private_addresses = true\nmax_per_address = 2\n", "test.toml"));
}

// Issue 17: check-config passed listen addresses that run then refused.
TEST(Config, ListenAddressIsValidatedWithItsLine) {
  for (const char* bad : {"localhost", "127.0.0.1:99999", "localhost:9464", "::1:9464", "[127.0.0.1]:80",
                          "127.0.0.1:", "127.0.0.1:http", "300.0.0.1:80"}) {
    const auto e = error_of(std::string{"[log]\nlevel = \"info\"\n[http]\nlisten = \""} + bad + "\"\n");
    EXPECT_EQ(e.key(), "http.listen") << bad;
    EXPECT_EQ(e.line(), 4) << bad;
    EXPECT_EQ(std::string{e.what()}.rfind("test.toml:4: key 'http.listen': ", 0), 0u) << e.what();
  }
  EXPECT_NE(error_of("[http]\nlisten = \"127.0.0.1:99999\"\n").reason().find("99999"), std::string::npos);
  EXPECT_NE(error_of("[http]\nlisten = \"localhost\"\n").reason().find("ADDRESS:PORT"), std::string::npos);
  for (const char* good : {"", "127.0.0.1:9464", "0.0.0.0:0", "[::1]:9464", "[::]:65535"})
    EXPECT_EQ(parse_config(std::string{"[http]\nlisten = \""} + good + "\"\n", "test.toml").http.listen, good);
}

TEST(Config, SyntaxErrorNamesTheLine) {
  const auto e = error_of("[database]\nurl = \"unterminated\n");
  EXPECT_EQ(e.line(), 2);
}

TEST(Config, UnreadableFileIsAConfigError) {
  EXPECT_THROW(load_config_file("/nonexistent/feedclusterd.toml"), ConfigError);
}

TEST(Config, EnvironmentOverridesDatabaseUrl) {
  Config config;
  std::map<std::string, std::string> env{{"FEEDCLUSTERD_DATABASE_URL", "postgresql://db.example/fc"}};
  apply_environment(config, [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
  EXPECT_EQ(config.database.url, "postgresql://db.example/fc");
  Config untouched;
  apply_environment(untouched, [](const char*) -> const char* { return nullptr; });
  EXPECT_EQ(untouched.database.url, Config{}.database.url);
}

}  // namespace
}  // namespace fcd::config
