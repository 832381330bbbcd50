#pragma once
// One add_*_command function per command; each is defined in <name>_command.cpp.
#include "cli/command.hpp"

namespace fcd::cli {

void add_version_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void add_check_config_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void add_parse_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void add_migrate_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void add_sources_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void add_run_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void add_stories_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void add_opml_commands(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void add_poll_once_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void add_cluster_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result);
void add_recluster_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result);

// Registers every command above on app.
void add_commands(CLI::App& app, const GlobalOptions& globals, CommandResult& result);

}  // namespace fcd::cli
