#include "config/table_reader.hpp"

#include <algorithm>

#include "core/time.hpp"

namespace fcd::config {

namespace {

int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

const char* type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}

}  // namespace

TableReader::TableReader(const toml::table& table, std::string prefix, const std::string& file)
    : table_(table), prefix_(std::move(prefix)), file_(file) {}

std::string TableReader::path_of(std::string_view key) const {
  return prefix_.empty() ? std::string{key} : prefix_ + "." + std::string{key};
}

void TableReader::fail(std::string_view key, const std::string& reason) const {
  const toml::node* node = table_.get(key);
  throw ConfigError(file_, node ? line_of(*node) : line_of(table_), path_of(key), reason);
}

void TableReader::fail_at(const toml::node& node, std::string_view key, const std::string& reason) const {
  throw ConfigError(file_, line_of(node), path_of(key), reason);
}

const toml::node* TableReader::find(std::string_view key) {
  read_keys_.emplace_back(key);
  return table_.get(key);
}

void TableReader::read(std::string_view key, std::string& out) {
  if (const auto* node = find(key)) {
    const auto* value = node->as_string();
    if (!value) fail_at(*node, key, std::string{"expected a string, found "} + type_name(*node));
    out = value->get();
  }
}

void TableReader::read(std::string_view key, std::optional<std::string>& out) {
  if (table_.contains(key)) {
    std::string value;
    read(key, value);
    out = std::move(value);
  } else {
    read_keys_.emplace_back(key);
  }
}

void TableReader::read(std::string_view key, bool& out) {
  if (const auto* node = find(key)) {
    const auto* value = node->as_boolean();
    if (!value) fail_at(*node, key, std::string{"expected true or false, found "} + type_name(*node));
    out = value->get();
  }
}

void TableReader::read(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max) {
  if (const auto* node = find(key)) {
    const auto* value = node->as_integer();
    if (!value) fail_at(*node, key, std::string{"expected an integer, found "} + type_name(*node));
    if (value->get() < min || value->get() > max)
      fail_at(*node, key,
              "value " + std::to_string(value->get()) + " is out of range [" + std::to_string(min) + ", " +
                  std::to_string(max) + "]");
    out = value->get();
  }
}

void TableReader::read(std::string_view key, int& out, std::int64_t min, std::int64_t max) {
  std::int64_t value = out;
  read(key, value, min, max);
  out = static_cast<int>(value);
}

void TableReader::read(std::string_view key, std::vector<std::string>& out) {
  if (const auto* node = find(key)) {
    const auto* array = node->as_array();
    if (!array) fail_at(*node, key, std::string{"expected an array of strings, found "} + type_name(*node));
    out.clear();
    for (const auto& element : *array) {
      const auto* text = element.as_string();
      if (!text) fail_at(element, key, std::string{"expected an array of strings, found "} + type_name(element));
      out.push_back(text->get());
    }
  }
}

void TableReader::read_duration(std::string_view key, core::Duration& out, core::Duration min,
                                core::Duration max) {
  std::optional<core::Duration> value;
  read_duration(key, value, min, max);
  if (value) out = *value;
}

void TableReader::read_duration(std::string_view key, std::optional<core::Duration>& out, core::Duration min,
                                core::Duration max) {
  const auto* node = find(key);
  if (!node) return;
  std::optional<core::Duration> value;
  if (const auto* seconds = node->as_integer()) {
    if (seconds->get() >= 0) value = core::Duration{seconds->get()};
  } else if (const auto* text = node->as_string()) {
    value = core::parse_duration(text->get());
  } else {
    fail_at(*node, key, std::string{"expected a duration such as \"30s\", \"15m\", \"2h\" or \"7d\", found "} +
                            type_name(*node));
  }
  if (!value) fail_at(*node, key, "expected a duration such as \"30s\", \"15m\", \"2h\" or \"7d\"");
  if (*value < min || *value > max)
    fail_at(*node, key,
            "duration " + core::format_duration(*value) + " is out of range [" + core::format_duration(min) + ", " +
                core::format_duration(max) + "]");
  out = value;
}

void TableReader::read_choice(std::string_view key, std::string& out, const std::vector<std::string>& choices) {
  std::string value = out;
  read(key, value);
  if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
    std::string list;
    for (const auto& choice : choices) list += (list.empty() ? "" : ", ") + choice;
    fail(key, "\"" + value + "\" is not one of: " + list);
  }
  out = value;
}

const toml::table* TableReader::table(std::string_view key) {
  const auto* node = find(key);
  if (!node) return nullptr;
  const auto* result = node->as_table();
  if (!result) fail_at(*node, key, std::string{"expected a table, found "} + type_name(*node));
  return result;
}

std::vector<const toml::table*> TableReader::table_array(std::string_view key) {
  std::vector<const toml::table*> result;
  const auto* node = find(key);
  if (!node) return result;
  const auto* array = node->as_array();
  if (!array) fail_at(*node, key, "expected an array of tables ([[" + std::string{key} + "]])");
  for (const auto& element : *array) {
    const auto* entry = element.as_table();
    if (!entry) fail_at(element, key, std::string{"expected an array of tables, found "} + type_name(element));
    result.push_back(entry);
  }
  return result;
}

void TableReader::reject_unknown_keys() const {
  for (const auto& [key, node] : table_) {
    if (std::find(read_keys_.begin(), read_keys_.end(), key.str()) == read_keys_.end())
      throw ConfigError(file_, static_cast<int>(key.source().begin.line), path_of(key.str()), "unknown key");
  }
}

}  // namespace fcd::config
