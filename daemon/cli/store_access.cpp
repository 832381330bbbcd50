#include "cli/store_access.hpp"

namespace fcd::cli {

std::unique_ptr<store::Store> open_store(const config::Config& config) {
  return std::make_unique<store::Store>(
      store::StoreOptions{.url = config.database.url, .instance_id = config.service.instance_id});
}

std::unique_ptr<store::Store> open_current_store(const config::Config& config) {
  auto db = open_store(config);
  db->require_current_schema();
  return db;
}

}  // namespace fcd::cli
