#include <iostream>

#include "cli/commands.hpp"
#include "core/version.hpp"

namespace fcd::cli {

void add_version_command(CLI::App& app, const GlobalOptions&, CommandResult& result) {
  auto* command = app.add_subcommand("version", "Print the version and exit");
  command->callback([&result] {
    std::cout << "feedclusterd " << core::kVersion << "\n";
    result.exit_code = core::kExitOk;
  });
}

}  // namespace fcd::cli
