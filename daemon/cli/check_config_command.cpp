#include <iostream>

#include "cli/commands.hpp"
#include "config/config.hpp"
#include "service/clusterer.hpp"

namespace fcd::cli {

void add_check_config_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* command = app.add_subcommand("check-config", "Validate a configuration file and exit (0 good, 2 bad)");
  auto path = std::make_shared<std::string>();
  command->add_option("path", *path, "File to check (default: --config)");
  command->callback([&globals, &result, path] {
    const std::string file = path->empty() ? globals.config_path : *path;
    const auto config = config::load_config_file(file);
    service::cluster_engine_options(config);
    std::cout << file << ": OK (" << config.sources.size() << " source" << (config.sources.size() == 1 ? "" : "s")
              << ")\n";
    result.exit_code = core::kExitOk;
  });
}

}  // namespace fcd::cli
