#include "service/reload.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace fcd::service {

namespace {

using config::Config;

bool same_sources(const std::vector<config::SourceSettings>& a, const std::vector<config::SourceSettings>& b) {
  const auto key = [](const config::SourceSettings& s) { return std::tie(s.url, s.title, s.interval, s.tags, s.enabled); };
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [&](const auto& x, const auto& y) { return key(x) == key(y); });
}

bool same_tuning(const std::vector<config::TuningValue>& a, const std::vector<config::TuningValue>& b) {
  // Where a knob was written (file, line) is no change to it.
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const auto& x, const auto& y) { return x.key == y.key && x.value == y.value; });
}

struct Key {
  const char* name;
  // Read once by a part built at start-up (the fetcher, the pools, the
  // listener, the clusterer), so a new value needs a restart.
  bool restart;
  bool (*same)(const Config&, const Config&);
  void (*keep)(Config& next, const Config& running);
};

#define FCD_KEY(field, restart)                                                              \
  Key {                                                                                     \
    #field, restart, [](const Config& a, const Config& b) { return a.field == b.field; },   \
        [](Config& next, const Config& running) { next.field = running.field; }             \
  }

constexpr bool kRestart = true;
constexpr bool kApplied = false;

const Key kKeys[] = {
    FCD_KEY(database.url, kRestart),
    FCD_KEY(database.auto_migrate, kRestart),
    FCD_KEY(database.pool_size, kRestart),
    FCD_KEY(log.level, kApplied),
    FCD_KEY(log.format, kRestart),
    FCD_KEY(polling.default_interval, kApplied),
    FCD_KEY(polling.min_interval, kApplied),
    FCD_KEY(polling.max_interval, kApplied),
    FCD_KEY(polling.lease_duration, kApplied),
    FCD_KEY(polling.error_backoff_max, kApplied),
    FCD_KEY(polling.claim_batch, kApplied),
    FCD_KEY(fetch.max_concurrent, kRestart),
    FCD_KEY(fetch.max_per_host, kRestart),
    FCD_KEY(fetch.max_per_address, kRestart),
    FCD_KEY(fetch.requests_per_minute_per_host, kRestart),
    FCD_KEY(fetch.host_requests_per_minute, kRestart),
    FCD_KEY(fetch.connect_timeout, kRestart),
    FCD_KEY(fetch.total_timeout, kRestart),
    FCD_KEY(fetch.low_speed_limit_bytes, kRestart),
    FCD_KEY(fetch.low_speed_time, kRestart),
    FCD_KEY(fetch.max_body_bytes, kRestart),
    FCD_KEY(fetch.max_redirects, kRestart),
    FCD_KEY(fetch.permanent_redirect_grace, kApplied),
    FCD_KEY(fetch.user_agent, kRestart),
    FCD_KEY(fetch.proxy, kRestart),
    FCD_KEY(fetch.ca_bundle, kRestart),
    FCD_KEY(fetch.block_private_addresses, kRestart),
    FCD_KEY(parse.max_document_bytes, kApplied),
    FCD_KEY(parse.max_items, kApplied),
    FCD_KEY(parse.max_field_bytes, kApplied),
    FCD_KEY(cluster.enabled, kRestart),
    FCD_KEY(cluster.window, kRestart),
    Key{"cluster.tuning", kRestart, [](const Config& a, const Config& b) { return same_tuning(a.cluster.tuning, b.cluster.tuning); },
        [](Config& next, const Config& running) { next.cluster.tuning = running.cluster.tuning; }},
    FCD_KEY(retention.articles_days, kApplied),
    FCD_KEY(http.listen, kRestart),
    FCD_KEY(service.shutdown_timeout, kApplied),
    FCD_KEY(service.instance_id, kRestart),
    FCD_KEY(service.worker_threads, kRestart),
    Key{"sources", kApplied, [](const Config& a, const Config& b) { return same_sources(a.sources, b.sources); },
        [](Config& next, const Config& running) { next.sources = running.sources; }},
};

#undef FCD_KEY

}  // namespace

ReloadPlan plan_reload(const Config& running, Config fresh) {
  ReloadPlan plan;
  for (const auto& key : kKeys) {
    if (key.same(running, fresh)) continue;
    if (key.restart) {
      key.keep(fresh, running);
      plan.need_restart.emplace_back(key.name);
    } else {
      plan.applied.emplace_back(key.name);
    }
  }
  plan.next = std::move(fresh);
  return plan;
}

std::string describe(const ReloadPlan& plan, const std::string& path) {
  if (plan.applied.empty() && plan.need_restart.empty()) return fmt::format("reloaded {}: nothing changed", path);
  std::string text = fmt::format("reloaded {}: ", path);
  if (!plan.applied.empty()) text += fmt::format("{} applied", fmt::join(plan.applied, ", "));
  if (!plan.applied.empty() && !plan.need_restart.empty()) text += "; ";
  if (!plan.need_restart.empty())
    text += fmt::format("{} changed but need a restart (running values kept)", fmt::join(plan.need_restart, ", "));
  return text;
}

}  // namespace fcd::service
