#pragma once
// What every command that touches the daemon's state needs first: the
// configuration (file + environment) and logging set up from it.
#include "cli/command.hpp"
#include "config/config.hpp"

namespace fcd::cli {

// Loads the configuration named by --config. When --config was not given and
// the default file does not exist, the built-in defaults are used (so a bare
// FEEDCLUSTERD_DATABASE_URL is enough for tools and tests). Applies environment
// overrides and sets up logging. Throws config::ConfigError (exit 2).
config::Config load_config(const GlobalOptions& globals);

}  // namespace fcd::cli
