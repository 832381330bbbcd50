#include <iostream>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/store_access.hpp"

namespace fcd::cli {

void add_migrate_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* command = app.add_subcommand("migrate", "Apply pending database schema migrations");
  auto status_only = std::make_shared<bool>(false);
  command->add_flag("--status", *status_only, "Only print the database's and this binary's schema versions");
  command->callback([&globals, &result, status_only] {
    const auto config = load_config(globals);
    auto db = open_store(config);
    if (*status_only) {
      std::cout << "database schema version " << db->schema_version() << ", this binary knows "
                << store::known_schema_version() << "\n";
      result.exit_code = core::kExitOk;
      return;
    }
    const auto report = db->migrate();
    if (report.applied.empty()) {
      std::cout << "schema already at version " << report.to_version << "; nothing to do\n";
    } else {
      for (const auto& migration : report.applied) std::cout << "applied " << migration.name << "\n";
      std::cout << "schema migrated from version " << report.from_version << " to " << report.to_version << "\n";
    }
    result.exit_code = core::kExitOk;
  });
}

}  // namespace fcd::cli
