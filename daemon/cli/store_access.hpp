#pragma once
// Opening the database for a command.
#include <memory>

#include "config/config.hpp"
#include "store/store.hpp"

namespace fcd::cli {

// Connects to config.database.url. Throws store::StoreError (exit 1).
std::unique_ptr<store::Store> open_store(const config::Config& config);

// Connects and checks the schema is the one this binary knows; a database that
// was never migrated, or is behind, is an error telling to run `feedclusterd migrate`.
std::unique_ptr<store::Store> open_current_store(const config::Config& config);

}  // namespace fcd::cli
