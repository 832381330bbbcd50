#include "cli/context.hpp"

#include <cstdlib>
#include <filesystem>

#include "log/log.hpp"
#include "service/clusterer.hpp"

namespace fcd::cli {

config::Config load_config(const GlobalOptions& globals) {
  config::Config config;
  if (globals.config_path_given || std::filesystem::exists(globals.config_path)) {
    config = config::load_config_file(globals.config_path);
  }
  config::apply_environment(config, [](const char* name) { return std::getenv(name); });
  service::cluster_engine_options(config);  // a bad [cluster.tuning] knob fails every command alike
  if (!globals.log_level.empty()) {
    if (!log::set_level(globals.log_level)) throw UsageError("--log-level: unknown level \"" + globals.log_level + "\"");
    config.log.level = globals.log_level;
  }
  log::setup({.level = config.log.level,
              .format = config.log.format == config::LogFormat::kJson ? log::Format::kJson : log::Format::kText,
              .journal = log::stderr_is_journal()});
  return config;
}

}  // namespace fcd::cli
