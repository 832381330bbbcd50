#pragma once
// Helpers for libpq connection strings (URL or keyword/value form).
#include <string>

namespace fcd::store {

// Removes the password, for messages and logs ("postgresql://u:secret@h/db" ->
// "postgresql://u:***@h/db", "password=secret" -> "password=***").
std::string redact_connection_string(const std::string& conninfo);

// The same server and options with another database name
// ("postgresql://h:5432/postgres?x=y" -> "postgresql://h:5432/other?x=y").
std::string with_database(const std::string& conninfo, const std::string& database);

}  // namespace fcd::store
