// feedclusterd recluster --since 7d: places the stored articles of a period
// again with a fresh engine (after changing [cluster.tuning]), keeping story
// ids where the stories stay together.
#include <chrono>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/store_access.hpp"
#include "core/time.hpp"
#include "service/clusterer.hpp"
#include "store/store.hpp"

namespace fcd::cli {

void add_recluster_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* command = app.add_subcommand(
      "recluster", "Cluster the stored articles of a recent period again, e.g. after tuning [cluster.tuning]");
  auto since = std::make_shared<std::string>("7d");
  command->add_option("--since", *since, "How far back, by article time (e.g. 72h, 7d)")->capture_default_str();
  command->callback([&globals, &result, since] {
    const auto period = core::parse_duration(*since);
    if (!period) throw UsageError("--since: expected a duration such as 72h or 7d, got \"" + *since + "\"");
    const auto config = load_config(globals);
    open_current_store(config);  // refuses a database that needs `feedclusterd migrate`
    service::Clusterer clusterer(store::StoreOptions{.url = config.database.url, .instance_id = config.service.instance_id},
                                 service::cluster_engine_options(config), 0);
    const auto now = std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now());
    const auto started = std::chrono::steady_clock::now();
    const auto report = clusterer.recluster(now - *period, now);
    clusterer.release();
    std::cout << "reclustered " << report.articles << " article(s) since " << core::format_rfc3339(now - *period)
              << " into " << report.stories << " stories (" << report.stories_created << " new story id(s), "
              << report.stories_merged << " old id(s) merged into others) in "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() << " s\n";
    for (const auto& article : report.set_aside)
      std::cerr << "article " << article.article_id << " set aside, " << store::to_string(article.stage)
                << " failed: " << article.reason << "\n";
    if (!report.set_aside.empty())
      std::cerr << report.set_aside.size() << " article(s) could not be placed and were set aside "
                << "(the unplaced_articles view lists them with the reason)\n";
    result.exit_code = report.set_aside.empty() ? core::kExitOk : core::kExitRuntimeFailure;
  });
}

}  // namespace fcd::cli
