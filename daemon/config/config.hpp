#pragma once
// The daemon's configuration: one typed, immutable value, parsed once from TOML
// and validated. Reload builds a whole new Config and swaps it in.
//
// Every setting has a default (config.example.toml lists them all). Unknown
// keys, wrong types and out-of-range values are errors that name the file, the
// line and the key.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace fcd::config {

using namespace std::chrono_literals;

enum class LogFormat { kText, kJson };

struct DatabaseSettings {
  std::string url = "postgresql:///feedclusterd";
  bool auto_migrate = true;
  int pool_size = 4;  // connections, one per store worker thread
};

struct LogSettings {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  LogFormat format = LogFormat::kText;
};

struct PollingSettings {
  core::Duration default_interval = 30min;
  core::Duration min_interval = 5min;
  core::Duration max_interval = 24h;
  core::Duration lease_duration = 5min;
  core::Duration error_backoff_max = 24h;
  int claim_batch = 100;  // sources claimed per lease query
};

struct FetchSettings {
  int max_concurrent = 64;
  int max_per_host = 4;
  int max_per_address = 8;  // requests in flight to one IPv4 /24 or IPv6 /64, whatever the names
  int requests_per_minute_per_host = 60;
  std::map<std::string, int> host_requests_per_minute;  // per-host overrides
  core::Duration connect_timeout = 10s;
  core::Duration total_timeout = 60s;
  int low_speed_limit_bytes = 100;  // bytes/s below which ...
  core::Duration low_speed_time = 30s;  // ... for this long aborts the transfer
  std::int64_t max_body_bytes = 20 * 1024 * 1024;  // after decompression
  int max_redirects = 5;
  core::Duration permanent_redirect_grace = 7 * 24h;
  std::string user_agent;  // empty: "feedclusterd/<version> (+url)"
  std::string proxy;       // empty: none (curl still honours no env proxy)
  std::string ca_bundle;   // empty: the system store
  bool block_private_addresses = false;
};

struct ParseSettings {
  std::int64_t max_document_bytes = 64 * 1024 * 1024;
  int max_items = 10000;
  std::int64_t max_field_bytes = 1024 * 1024;
};

// One [cluster.tuning] entry: an engine knob by its name, checked by the
// service (cluster::set_option), which owns the names; file and line are kept
// so a bad one is reported where it was written.
struct TuningValue {
  std::string key;
  std::string value;  // as text: "0.3", "72h", "true"
  std::string file;
  int line = 0;
};

struct ClusterSettings {
  bool enabled = true;
  core::Duration window = 72h;
  std::vector<TuningValue> tuning;
};

struct RetentionSettings {
  int articles_days = 0;  // 0 keeps articles forever
};

struct HttpSettings {
  std::string listen = "127.0.0.1:9464";  // empty: no metrics/health listener
};

struct ServiceSettings {
  core::Duration shutdown_timeout = 20s;
  std::string instance_id;  // empty: "<hostname>:<pid>"
  int worker_threads = 2;   // CPU pool for parsing and clustering
};

// The range of a source's own poll interval, in the file ([[sources]]
// interval) and from the CLI (`sources add --interval`) alike.
inline constexpr core::Duration kMinSourceInterval = 10s;
inline constexpr core::Duration kMaxSourceInterval = 90 * 24h;

struct SourceSettings {
  std::string url;
  std::optional<std::string> title;
  std::optional<core::Duration> interval;
  std::vector<std::string> tags;
  bool enabled = true;
};

struct Config {
  std::string path;  // where it was loaded from; empty for built-in defaults
  DatabaseSettings database;
  LogSettings log;
  PollingSettings polling;
  FetchSettings fetch;
  ParseSettings parse;
  ClusterSettings cluster;
  RetentionSettings retention;
  HttpSettings http;
  ServiceSettings service;
  std::vector<SourceSettings> sources;
};

// The configuration a running daemon reads: never changed once built; a
// reload makes a new one and swaps the pointer, so a reader keeps a
// consistent snapshot for as long as it holds it.
using ConfigSnapshot = std::shared_ptr<const Config>;

// A configuration that cannot be used. what() reads "FILE:LINE: key 'a.b': reason".
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, std::string key, std::string reason);
  const std::string& file() const { return file_; }
  int line() const { return line_; }  // 0 when the problem has no line (e.g. unreadable file)
  const std::string& key() const { return key_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string file_;
  int line_;
  std::string key_;
  std::string reason_;
};

// Parses TOML text; source_name is used in error messages. Throws ConfigError.
Config parse_config(std::string_view text, const std::string& source_name);

// Reads and parses a file. Throws ConfigError (also when it cannot be read).
Config load_config_file(const std::string& path);

// Applies environment overrides: FEEDCLUSTERD_DATABASE_URL replaces database.url.
// get_env is injectable for tests; by default std::getenv.
using EnvLookup = std::function<const char*(const char*)>;
void apply_environment(Config& config, const EnvLookup& get_env);

}  // namespace fcd::config
