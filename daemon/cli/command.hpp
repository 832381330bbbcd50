#pragma once
// The contract between the command-line front end and each command.
//
// Every command lives in its own file and adds itself to the CLI11 app with an
// add_*_command(app, globals) function. Its callback returns the process exit
// code through CommandResult. Errors of usage or configuration throw
// UsageError (exit 2); any other exception escaping a command is a runtime
// failure (exit 1). Both are reported on stderr by cli::run.
#include <CLI/CLI.hpp>
#include <stdexcept>
#include <string>

#include "core/types.hpp"
#include "core/version.hpp"

namespace fcd::cli {

struct GlobalOptions {
  std::string config_path{core::kDefaultConfigPath};
  bool config_path_given = false;  // --config on the command line
  std::string log_level;           // --log-level overrides log.level when set
};

// Where a command leaves its exit code (commands run inside CLI11 callbacks).
struct CommandResult {
  int exit_code = core::kExitOk;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace fcd::cli
