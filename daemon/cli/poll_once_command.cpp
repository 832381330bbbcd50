#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "service/daemon.hpp"

namespace fcd::cli {

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
    service::RunOptions options{.once = true, .all_sources = *all, .only_source = std::nullopt, .print_polls = true};
    if (!source->empty()) options.only_source = *source;
    service::Daemon daemon(std::move(config), globals.config_path);
    result.exit_code = daemon.run(options);
  });
}

}  // namespace fcd::cli
