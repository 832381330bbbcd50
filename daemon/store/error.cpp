#include "store/error.hpp"

namespace fcd::store {

namespace {

std::string compose(const std::string& sqlstate, const std::string& context, const std::string& detail) {
  std::string message = "database: " + context;
  if (!detail.empty()) message += ": " + detail;
  if (!sqlstate.empty()) message += " (SQLSTATE " + sqlstate + ")";
  // libpq messages end with a newline; a log line must not.
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

}  // namespace

StoreError::StoreError(std::string sqlstate, std::string context, const std::string& detail)
    : std::runtime_error(compose(sqlstate, context, detail)),
      sqlstate_(std::move(sqlstate)),
      context_(std::move(context)) {}

bool StoreError::connection_lost() const noexcept {
  // Class 08: connection exception; 57P01..57P03: admin/crash shutdown,
  // server starting up (the server closes the session after these).
  return sqlstate_.rfind("08", 0) == 0 || sqlstate_ == "57P01" || sqlstate_ == "57P02" ||
         sqlstate_ == "57P03";
}

bool StoreError::retryable() const noexcept {
  return connection_lost() || sqlstate_ == "40001" || sqlstate_ == "40P01" || sqlstate_ == "55P03";
}

SchemaTooNewError::SchemaTooNewError(int database_version, int known_version)
    : StoreError("", "check schema version",
                 "the database is at schema version " + std::to_string(database_version) +
                     ", newer than this feedclusterd knows (" + std::to_string(known_version) +
                     "); upgrade feedclusterd instead of running an older one against it"),
      database_version_(database_version),
      known_version_(known_version) {}

SchemaMismatchError::SchemaMismatchError(int database_version, int known_version)
    : StoreError("", "check schema version",
                 "the database is at schema version " + std::to_string(database_version) +
                     ", this feedclusterd needs " + std::to_string(known_version) +
                     "; run `feedclusterd migrate`") {}

LeaseLostError::LeaseLostError(long long source_id, const std::string& instance_id)
    : StoreError("", "commit poll",
                 "source " + std::to_string(source_id) + " is no longer leased to " + instance_id +
                     " (lease expired and taken over); nothing was written") {}

NotClustererError::NotClustererError()
    : StoreError("", "write cluster decisions", "this connection does not hold the clusterer lock") {}

}  // namespace fcd::store
