#pragma once
// What a reload changes. The running parts were built from some settings
// (the fetcher's limits, the pools, the listener, the clusterer's engine):
// a new value of those takes effect only at a restart, so the reload keeps
// the running value and says so. The other settings are read afresh by each
// unit of work (a poll, a retention pass) and apply from the next one.
#include <string>
#include <vector>

#include "config/config.hpp"

namespace fcd::service {

struct ReloadPlan {
  // The configuration to swap in: the new file, with the running value of
  // every restart-only key.
  config::Config next;
  // Keys whose new value applies now ("polling.max_interval", "sources").
  std::vector<std::string> applied;
  // Keys that changed in the file but keep their running value until a
  // restart ("fetch.max_concurrent", "http.listen").
  std::vector<std::string> need_restart;
};

// Compares key by key; sources compare as one key, "sources".
ReloadPlan plan_reload(const config::Config& running, config::Config fresh);

// "reloaded FILE: polling.max_interval, sources applied; fetch.max_concurrent,
// http.listen changed but need a restart (running values kept)", or
// "reloaded FILE: nothing changed".
std::string describe(const ReloadPlan& plan, const std::string& path);

}  // namespace fcd::service
