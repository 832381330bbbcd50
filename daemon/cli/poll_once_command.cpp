#include <iostream>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/store_access.hpp"
#include "core/clock.hpp"
#include "core/time.hpp"
#include "log/log.hpp"
#include "service/daemon.hpp"

namespace fcd::cli {

namespace {

// One line per poll and a summary on stdout, for the operator at the terminal.
class PrintingObserver final : public service::RunObserver {
 public:
  void polled(const service::PollReport& poll) override {
    std::cout << poll.url << ": " << (poll.status ? std::to_string(poll.status) : std::string{"-"}) << " "
              << fetch::to_string(poll.action) << ", " << poll.inserted << " new, " << poll.updated << " updated, "
              << poll.unchanged << " unchanged" << (poll.error.empty() ? std::string{} : "; error: " + poll.error)
              << std::endl;
  }
  void deferred(const std::string& url, core::TimePoint until) override {
    std::cout << url << ": - deferred, host paused until " << core::format_rfc3339(until) << std::endl;
  }
  void caught_up(const service::CatchUpReport& report) override {
    std::cout << report.clustered << " articles clustered, " << report.waiting << " waiting, " << report.set_aside
              << " set aside in this run" << std::endl;
  }
  void finished(const service::RunSummary& run) override {
    std::cout << run.polls << " sources polled, " << run.errors << " errors, " << run.items_new << " new and "
              << run.items_updated << " updated items, " << run.articles_clustered << " articles clustered" << std::endl
              << "time summed over all polls: " << run.poll_time << std::endl;
    if (!run.cluster_time.empty()) std::cout << "clusterer time: " << run.cluster_time << std::endl;
  }
};

// The sources another live instance holds were not claimable here: named, so
// that "polled 3" is not mistaken for "there were 3".
void report_held_elsewhere(const config::Config& config) {
  try {
    auto db = open_store(config);
    const auto held = db->leases_held_elsewhere(core::SystemWallClock{}.now());
    for (const auto& lease : held)
      std::cout << log::printable(lease.url) << ": - skipped, leased by " << log::printable(lease.owner)
                << " until " << core::format_rfc3339(lease.expires_at) << " (a live instance polls it)" << std::endl;
    if (!held.empty())
      log::event(*log::get("poll"), spdlog::level::warn, {{"skipped", static_cast<std::int64_t>(held.size())}},
                 "{} source(s) skipped: another live instance holds their leases", held.size());
  } catch (const store::StoreError& e) {
    log::get("poll")->warn("could not list the sources other instances hold: {}", e.what());
  }
}

}  // namespace

void add_poll_once_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* command = app.add_subcommand(
      "poll-once", "Poll the due sources once, concurrently as the daemon does, store and cluster what they have");
  auto all = std::make_shared<bool>(false);
  auto source = std::make_shared<std::string>();
  auto* all_flag = command->add_flag("--all", *all, "Every enabled source, due or not");
  command->add_option("--source", *source, "Only this source (its URL), due or not")->excludes(all_flag);
  command->callback([&globals, &result, all, source] {
    auto config = load_config(globals);
    config.http.listen.clear();
    PrintingObserver printer;
    service::RunOptions options{.once = true, .all_sources = *all, .only_source = std::nullopt, .observer = &printer};
    if (!source->empty()) options.only_source = *source;
    service::Daemon daemon(config, globals.config_path);
    result.exit_code = daemon.run(options);
    if (source->empty()) report_held_elsewhere(config);
  });
}

}  // namespace fcd::cli
