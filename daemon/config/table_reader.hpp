#pragma once
// Reads one TOML table into typed fields, remembering which keys were read so
// that any key left over is reported as unknown, with its line.
#include <cstdint>
#include <optional>
#include <string>
#include <toml++/toml.h>
#include <vector>

#include "config/config.hpp"

namespace fcd::config {

class TableReader {
 public:
  // prefix is the dotted path of this table ("fetch", "sources[2]"), for messages.
  TableReader(const toml::table& table, std::string prefix, const std::string& file);

  void read(std::string_view key, std::string& out);
  void read(std::string_view key, std::optional<std::string>& out);
  void read(std::string_view key, bool& out);
  void read(std::string_view key, int& out, std::int64_t min, std::int64_t max);
  void read(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max);
  void read(std::string_view key, std::vector<std::string>& out);
  void read_duration(std::string_view key, core::Duration& out, core::Duration min, core::Duration max);
  void read_duration(std::string_view key, std::optional<core::Duration>& out, core::Duration min,
                     core::Duration max);
  // One of the given words.
  void read_choice(std::string_view key, std::string& out, const std::vector<std::string>& choices);

  // A sub-table; nullptr when absent. Throws when the key holds something else.
  const toml::table* table(std::string_view key);
  // An array of tables ([[key]]); empty when absent.
  std::vector<const toml::table*> table_array(std::string_view key);

  // Every key of this table that no read() asked for: throws for the first one.
  void reject_unknown_keys() const;

  [[noreturn]] void fail(std::string_view key, const std::string& reason) const;
  [[noreturn]] void fail_at(const toml::node& node, std::string_view key, const std::string& reason) const;
  std::string path_of(std::string_view key) const;
  const std::string& file() const { return file_; }

 private:
  const toml::node* find(std::string_view key);

  const toml::table& table_;
  std::string prefix_;
  const std::string& file_;
  std::vector<std::string> read_keys_;
};

}  // namespace fcd::config
