#include "config/config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>

#include "config/table_reader.hpp"

namespace fcd::config {

namespace {

constexpr std::int64_t kMaxInt = 1'000'000'000;
const std::vector<std::string> kLogLevels{"trace", "debug", "info", "warn", "error", "critical", "off"};

void read_database(TableReader& t, DatabaseSettings& s) {
  t.read("url", s.url);
  t.read("auto_migrate", s.auto_migrate);
  t.read("pool_size", s.pool_size, 1, 64);
  if (s.url.empty()) t.fail("url", "must not be empty");
}

void read_log(TableReader& t, LogSettings& s) {
  t.read_choice("level", s.level, kLogLevels);
  std::string format = s.format == LogFormat::kJson ? "json" : "text";
  t.read_choice("format", format, {"text", "json"});
  s.format = format == "json" ? LogFormat::kJson : LogFormat::kText;
}

void read_polling(TableReader& t, PollingSettings& s) {
  t.read_duration("default_interval", s.default_interval, 1min, 30 * 24h);
  t.read_duration("min_interval", s.min_interval, 10s, 30 * 24h);
  t.read_duration("max_interval", s.max_interval, 1min, 90 * 24h);
  t.read_duration("lease_duration", s.lease_duration, 30s, 24h);
  t.read_duration("error_backoff_max", s.error_backoff_max, 1min, 30 * 24h);
  t.read("claim_batch", s.claim_batch, 1, 10000);
  if (s.min_interval > s.max_interval) t.fail("min_interval", "must not exceed polling.max_interval");
  if (s.default_interval < s.min_interval || s.default_interval > s.max_interval)
    t.fail("default_interval", "must lie between polling.min_interval and polling.max_interval");
}

void read_fetch(TableReader& t, FetchSettings& s) {
  t.read("max_concurrent", s.max_concurrent, 1, 10000);
  t.read("max_per_host", s.max_per_host, 1, 1000);
  t.read("max_per_address", s.max_per_address, 1, 10000);
  t.read("requests_per_minute_per_host", s.requests_per_minute_per_host, 1, 100000);
  if (const auto* hosts = t.table("host_requests_per_minute")) {
    TableReader host_reader(*hosts, t.path_of("host_requests_per_minute"), t.file());
    for (const auto& [key, node] : *hosts) {
      int value = 0;
      host_reader.read(key.str(), value, 1, 100000);
      s.host_requests_per_minute[std::string{key.str()}] = value;
    }
  }
  t.read_duration("connect_timeout", s.connect_timeout, 1s, 10min);
  t.read_duration("total_timeout", s.total_timeout, 1s, 1h);
  t.read("low_speed_limit_bytes", s.low_speed_limit_bytes, 0, kMaxInt);
  t.read_duration("low_speed_time", s.low_speed_time, 1s, 1h);
  t.read("max_body_bytes", s.max_body_bytes, 1024, std::int64_t{4} << 30);
  t.read("max_redirects", s.max_redirects, 0, 50);
  t.read_duration("permanent_redirect_grace", s.permanent_redirect_grace, 0s, 365 * 24h);
  t.read("user_agent", s.user_agent);
  t.read("proxy", s.proxy);
  t.read("ca_bundle", s.ca_bundle);
  t.read("block_private_addresses", s.block_private_addresses);
  if (!s.proxy.empty() && s.block_private_addresses)
    t.fail("proxy", "cannot be combined with fetch.block_private_addresses = true: the proxy resolves and connects "
                    "to feed hosts, so the daemon cannot check the addresses it reaches; unset one of the two, and "
                    "let the proxy refuse private addresses if you need both");
}

void read_parse(TableReader& t, ParseSettings& s) {
  t.read("max_document_bytes", s.max_document_bytes, 1024, std::int64_t{4} << 30);
  t.read("max_items", s.max_items, 1, 1'000'000);
  t.read("max_field_bytes", s.max_field_bytes, 256, std::int64_t{1} << 30);
}

void read_cluster(TableReader& t, ClusterSettings& s) {
  t.read("enabled", s.enabled);
  t.read_duration("window", s.window, 1h, 90 * 24h);
  const auto* tuning = t.table("tuning");
  if (!tuning) return;
  for (const auto& [key, node] : *tuning) {
    std::string value;
    if (const auto* text = node.as_string()) value = text->get();
    else if (const auto* integer = node.as_integer()) value = std::to_string(integer->get());
    else if (const auto* real = node.as_floating_point()) {
      std::ostringstream text;
      text << std::setprecision(15) << real->get();
      value = text.str();
    }
    else if (const auto* flag = node.as_boolean()) value = flag->get() ? "true" : "false";
    else t.fail_at(node, "tuning." + std::string{key.str()}, "expected a number, a duration string or a boolean");
    s.tuning.push_back({std::string{key.str()}, std::move(value), t.file(),
                        static_cast<int>(node.source().begin.line)});
  }
}

void read_retention(TableReader& t, RetentionSettings& s) { t.read("articles_days", s.articles_days, 0, 36500); }

// What the listener accepts (service/http_server.hpp's parse_listen_address):
// "ADDRESS:PORT" with an IPv4 literal or a bracketed IPv6 literal, port
// 0-65535. Checked here so that check-config refuses what run would.
std::optional<std::string> listen_address_problem(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos)
    return "expected ADDRESS:PORT such as \"127.0.0.1:9464\" or \"[::1]:9464\" (an IP address, not a host name), "
           "or \"\" for no listener";
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535)
    return "port \"" + port + "\" is not a number from 0 to 65535";
  unsigned char address[sizeof(in6_addr)];
  if (bracketed ? inet_pton(AF_INET6, host.c_str(), address) != 1 : inet_pton(AF_INET, host.c_str(), address) != 1)
    return "\"" + host + "\" is not an " + (bracketed ? "IPv6" : "IPv4") +
           " address (host names are not resolved; an IPv6 address goes in brackets: \"[::1]:9464\")";
  return std::nullopt;
}

void read_http(TableReader& t, HttpSettings& s) {
  t.read("listen", s.listen);
  if (s.listen.empty()) return;
  if (const auto problem = listen_address_problem(s.listen)) t.fail("listen", *problem);
}

void read_service(TableReader& t, ServiceSettings& s) {
  t.read_duration("shutdown_timeout", s.shutdown_timeout, 1s, 1h);
  t.read("instance_id", s.instance_id);
  t.read("worker_threads", s.worker_threads, 1, 256);
}

SourceSettings read_source(TableReader& t) {
  SourceSettings s;
  t.read("url", s.url);
  t.read("title", s.title);
  t.read_duration("interval", s.interval, kMinSourceInterval, kMaxSourceInterval);
  t.read("tags", s.tags);
  t.read("enabled", s.enabled);
  if (s.url.empty()) t.fail("url", "every [[sources]] entry needs a url");
  const auto scheme_end = s.url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : s.url.substr(0, scheme_end);
  // The fetcher speaks http and https only: a file:// source would be accepted
  // here and then fail at every poll.
  if (scheme != "http" && scheme != "https") t.fail("url", "\"" + s.url + "\" is not an http or https URL");
  return s;
}

template <typename Settings>
void read_section(TableReader& root, std::string_view name, Settings& settings,
                  void (*reader)(TableReader&, Settings&)) {
  if (const auto* table = root.table(name)) {
    TableReader section(*table, std::string{name}, root.file());
    reader(section, settings);
    section.reject_unknown_keys();
  }
}

}  // namespace

namespace {

std::string describe(const std::string& file, int line, const std::string& key, const std::string& reason) {
  std::string message = file;
  if (line > 0) message.append(":").append(std::to_string(line));
  if (!key.empty()) message.append(": key '").append(key).append("'");
  message.append(": ").append(reason);
  return message;
}

}  // namespace

ConfigError::ConfigError(std::string file, int line, std::string key, std::string reason)
    : std::runtime_error(describe(file, line, key, reason)),
      file_(std::move(file)),
      line_(line),
      key_(std::move(key)),
      reason_(std::move(reason)) {}

Config parse_config(std::string_view text, const std::string& source_name) {
  toml::table document;
  try {
    document = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(source_name, static_cast<int>(e.source().begin.line), "", std::string{e.description()});
  }
  Config config;
  config.path = source_name;
  TableReader root(document, "", source_name);
  read_section(root, "database", config.database, read_database);
  read_section(root, "log", config.log, read_log);
  read_section(root, "polling", config.polling, read_polling);
  read_section(root, "fetch", config.fetch, read_fetch);
  read_section(root, "parse", config.parse, read_parse);
  read_section(root, "cluster", config.cluster, read_cluster);
  read_section(root, "retention", config.retention, read_retention);
  read_section(root, "http", config.http, read_http);
  read_section(root, "service", config.service, read_service);

  std::set<std::string> urls;
  int index = 0;
  for (const auto* table : root.table_array("sources")) {
    TableReader source_reader(*table, "sources[" + std::to_string(index++) + "]", source_name);
    auto source = read_source(source_reader);
    source_reader.reject_unknown_keys();
    if (!urls.insert(source.url).second) source_reader.fail("url", "\"" + source.url + "\" is listed twice");
    config.sources.push_back(std::move(source));
  }
  root.reject_unknown_keys();
  return config;
}

Config load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path, 0, "", "cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(path, 0, "", "cannot read the file");
  return parse_config(text.str(), path);
}

void apply_environment(Config& config, const EnvLookup& get_env) {
  if (const char* url = get_env("FEEDCLUSTERD_DATABASE_URL"); url && *url) config.database.url = url;
}

}  // namespace fcd::config
