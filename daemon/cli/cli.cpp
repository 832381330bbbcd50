#include "cli/cli.hpp"

#include <iostream>

#include "cli/command.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"
#include "core/version.hpp"
#include "log/log.hpp"

namespace fcd::cli {

int run(int argc, char** argv) {
  CLI::App app{"feedclusterd: polls news feeds and clusters their items into stories in PostgreSQL",
               "feedclusterd"};
  app.require_subcommand(1);
  // Global options are accepted after the command too: `run --config FILE`.
  app.fallthrough();
  GlobalOptions globals;
  app.add_option("-c,--config", globals.config_path, "Configuration file")
      ->capture_default_str()
      ->each([&globals](const std::string&) { globals.config_path_given = true; });
  app.add_option("--log-level", globals.log_level, "Override log.level (trace, debug, info, warn, error)");
  app.set_version_flag("--version", std::string{core::kVersion});

  CommandResult result;
  add_commands(app, globals, result);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return core::kExitUsage;
  } catch (const config::ConfigError& e) {
    log::fatal(e.what());
    return core::kExitUsage;
  } catch (const UsageError& e) {
    log::fatal(e.what());
    return core::kExitUsage;
  } catch (const std::exception& e) {
    log::fatal(e.what());
    return core::kExitRuntimeFailure;
  }
  return result.exit_code;
}

}  // namespace fcd::cli
