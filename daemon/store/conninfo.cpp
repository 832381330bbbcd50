#include "store/conninfo.hpp"

#include <regex>

namespace fcd::store {

std::string redact_connection_string(const std::string& conninfo) {
  // URL form: scheme://user:password@host...
  static const std::regex kUrlPassword(R"(^([A-Za-z][A-Za-z0-9+.-]*://[^:/@?#]*):[^@/?#]*@)");
  // Keyword form, and password= as a URL query parameter.
  static const std::regex kKeywordPassword(R"((password\s*=\s*)('([^'\\]|\\.)*'|[^\s&]*))",
                                           std::regex::icase);
  std::string out = std::regex_replace(conninfo, kUrlPassword, "$1:***@");
  return std::regex_replace(out, kKeywordPassword, "$1***");
}

std::string with_database(const std::string& conninfo, const std::string& database) {
  const auto scheme = conninfo.find("://");
  // Keyword form: a later dbname= overrides an earlier one.
  if (scheme == std::string::npos) return conninfo + " dbname='" + database + "'";
  const auto path = conninfo.find('/', scheme + 3);
  const auto query = conninfo.find('?', scheme + 3);
  if (path == std::string::npos || (query != std::string::npos && query < path)) {
    const auto at = query == std::string::npos ? conninfo.size() : query;
    return conninfo.substr(0, at) + "/" + database + conninfo.substr(at);
  }
  const auto end = query == std::string::npos ? conninfo.size() : query;
  return conninfo.substr(0, path + 1) + database + conninfo.substr(end);
}

}  // namespace fcd::store
