#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "service/daemon.hpp"

namespace fcd::cli {

void add_run_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* command = app.add_subcommand("run", "Run the daemon: poll, store and cluster until SIGTERM");
  auto once = std::make_shared<bool>(false);
  command->add_flag("--once", *once, "Poll every due source once, let the clusterer catch up, and exit");
  command->callback([&globals, &result, once] {
    auto config = load_config(globals);
    service::Daemon daemon(std::move(config), globals.config_path);
    service::RunOptions options;
    options.once = *once;
    result.exit_code = daemon.run(options);
  });
}

}  // namespace fcd::cli
