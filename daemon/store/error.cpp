#include "store/error.hpp"

#include <string_view>

namespace fcd::store {

namespace {

// libpq writes one message over several lines ("...: Connection refused\n\tIs
// the server running on that host...?\n"); a log event is one line. Lines
// are joined with "; ", or a space where the next line continues a sentence
// (starts in lower case).
std::string one_line(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    auto first = text.find_first_not_of(" \t\r", start);
    auto last = text.find_last_not_of(" \t\r", end == 0 ? 0 : end - 1);
    if (first != std::string::npos && first < end && last != std::string::npos && last >= first) {
      const auto line = std::string_view{text}.substr(first, last - first + 1);
      if (!out.empty()) out += (line.front() >= 'a' && line.front() <= 'z') ? " " : "; ";
      out += line;
    }
    start = end + 1;
  }
  return out;
}

std::string compose(const std::string& sqlstate, const std::string& context, const std::string& detail) {
  std::string message = "database: " + one_line(context);
  if (const auto flat = one_line(detail); !flat.empty()) message += ": " + flat;
  if (!sqlstate.empty()) message += " (SQLSTATE " + sqlstate + ")";
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
