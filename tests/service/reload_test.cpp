#include "service/reload.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fcd::service {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

config::SourceSettings source(std::string url) {
  config::SourceSettings settings;
  settings.url = std::move(url);
  return settings;
}

config::Config running() {
  config::Config config;
  config.sources.push_back(source("https://a.example/feed"));
  config.cluster.tuning.push_back({.key = "join_threshold", .value = "0.3", .file = "a.toml", .line = 4});
  return config;
}

TEST(PlanReload, NothingChanged) {
  const auto plan = plan_reload(running(), running());
  EXPECT_TRUE(plan.applied.empty());
  EXPECT_TRUE(plan.need_restart.empty());
  EXPECT_EQ(describe(plan, "/etc/feedclusterd.toml"), "reloaded /etc/feedclusterd.toml: nothing changed");
}

TEST(PlanReload, KeysReadPerPollApplyAtOnce) {
  auto fresh = running();
  fresh.polling.max_interval = 6h;
  fresh.parse.max_items = 50;
  fresh.sources.push_back(source("https://b.example/feed"));
  const auto plan = plan_reload(running(), fresh);
  EXPECT_THAT(plan.applied, ElementsAre("polling.max_interval", "parse.max_items", "sources"));
  EXPECT_TRUE(plan.need_restart.empty());
  EXPECT_EQ(plan.next.polling.max_interval, 6h);
  EXPECT_EQ(plan.next.parse.max_items, 50);
  EXPECT_EQ(plan.next.sources.size(), 2u);
}

TEST(PlanReload, RestartOnlyKeysKeepTheRunningValueAndAreNamed) {
  auto fresh = running();
  fresh.fetch.max_concurrent = 8;
  fresh.http.listen = "127.0.0.1:9999";
  fresh.log.level = "debug";
  fresh.cluster.tuning[0].value = "0.5";
  const auto plan = plan_reload(running(), fresh);
  EXPECT_THAT(plan.applied, ElementsAre("log.level"));
  EXPECT_THAT(plan.need_restart, ElementsAre("fetch.max_concurrent", "cluster.tuning", "http.listen"));
  EXPECT_EQ(plan.next.fetch.max_concurrent, running().fetch.max_concurrent);
  EXPECT_EQ(plan.next.http.listen, running().http.listen);
  EXPECT_EQ(plan.next.cluster.tuning[0].value, "0.3");
  EXPECT_EQ(plan.next.log.level, "debug");
  EXPECT_EQ(describe(plan, "f.toml"),
            "reloaded f.toml: log.level applied; fetch.max_concurrent, cluster.tuning, http.listen changed but need "
            "a restart (running values kept)");
}

TEST(PlanReload, WhereATuningKnobIsWrittenIsNoChange) {
  auto fresh = running();
  fresh.cluster.tuning[0].line = 12;
  EXPECT_TRUE(plan_reload(running(), fresh).need_restart.empty());
}

TEST(PlanReload, ASourceEditIsAChange) {
  auto fresh = running();
  fresh.sources[0].interval = 15min;
  EXPECT_THAT(plan_reload(running(), fresh).applied, ElementsAre("sources"));
  fresh = running();
  fresh.sources[0].enabled = false;
  EXPECT_THAT(plan_reload(running(), fresh).applied, ElementsAre("sources"));
}

}  // namespace
}  // namespace fcd::service
