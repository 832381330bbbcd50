#include "cli/commands.hpp"

namespace fcd::cli {

void add_commands(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  add_version_command(app, globals, result);
  add_check_config_command(app, globals, result);
  add_parse_command(app, globals, result);
  add_migrate_command(app, globals, result);
  add_sources_command(app, globals, result);
  add_run_command(app, globals, result);
  add_stories_command(app, globals, result);
  add_opml_commands(app, globals, result);
  add_poll_once_command(app, globals, result);
  add_cluster_command(app, globals, result);
  add_recluster_command(app, globals, result);
}

}  // namespace fcd::cli
