#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/store_access.hpp"
#include "core/time.hpp"
#include "log/log.hpp"

namespace fcd::cli {

namespace {

// URLs, titles and errors come from feeds and servers: never printed raw.
using log::printable;

std::string optional_time(const std::optional<core::TimePoint>& t, const char* absent) {
  return t ? core::format_rfc3339(*t) : absent;
}

void print_table(const std::vector<store::SourceRow>& rows) {
  std::cout << std::left << std::setw(6) << "ID" << std::setw(9) << "STATE" << std::setw(7) << "ORIGIN"
            << std::setw(7) << "STATUS" << std::setw(7) << "ERRORS" << std::setw(22) << "NEXT POLL"
            << "URL\n";
  for (const auto& row : rows) {
    std::string state = row.enabled ? "enabled" : "disabled";
    std::cout << std::left << std::setw(6) << row.id << std::setw(9) << state << std::setw(7)
              << store::to_string(row.origin) << std::setw(7)
              << (row.last_status ? std::to_string(*row.last_status) : "-") << std::setw(7) << row.error_count
              << std::setw(22) << (row.enabled ? optional_time(row.next_poll_at, "due now") : "-")
              << printable(row.url);
    if (row.title) std::cout << "  (" << printable(*row.title) << ")";
    std::cout << "\n";
    // A lease of a dead instance or an expired one holds nothing: not shown.
    if (row.lease_held && row.lease_owner && row.lease_expires_at)
      std::cout << "      leased by " << printable(*row.lease_owner) << " until "
                << core::format_rfc3339(*row.lease_expires_at) << "\n";
    if (row.last_error) std::cout << "      last error: " << printable(*row.last_error) << "\n";
  }
  std::cout << rows.size() << " source" << (rows.size() == 1 ? "" : "s") << "\n";
}

void print_json(const std::vector<store::SourceRow>& rows) {
  auto optional = [](const auto& value) -> nlohmann::json {
    if (!value) return nullptr;
    return *value;
  };
  auto time = [](const std::optional<core::TimePoint>& t) -> nlohmann::json {
    if (!t) return nullptr;
    return core::format_rfc3339(*t);
  };
  for (const auto& row : rows) {
    nlohmann::json line{{"id", row.id},
                        {"url", row.url},
                        {"title", optional(row.title)},
                        {"tags", row.tags},
                        {"origin", store::to_string(row.origin)},
                        {"enabled", row.enabled},
                        {"interval_seconds", row.interval ? nlohmann::json(row.interval->count()) : nullptr},
                        {"next_poll_at", row.enabled ? time(row.next_poll_at) : nullptr},
                        {"last_polled_at", time(row.last_polled_at)},
                        {"last_success_at", time(row.last_success_at)},
                        {"last_status", optional(row.last_status)},
                        {"last_error", optional(row.last_error)},
                        {"error_count", row.error_count},
                        {"lease_owner", row.lease_held ? optional(row.lease_owner) : nullptr},
                        {"lease_expires_at", row.lease_held ? time(row.lease_expires_at) : nullptr},
                        {"drift_count", row.drift_count}};
    std::cout << line.dump() << "\n";
  }
}

void require_http_url(const std::string& url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    throw UsageError("\"" + url + "\" is not an http or https URL");
}

// The same range as [[sources]] interval in the config file.
core::Duration source_interval(const std::string& text) {
  const auto interval = core::parse_duration(text);
  if (!interval) throw UsageError("--interval: \"" + text + "\" is not a duration such as 15m");
  if (*interval < config::kMinSourceInterval || *interval > config::kMaxSourceInterval)
    throw UsageError("--interval: " + core::format_duration(*interval) + " is out of range: a source's interval lies "
                     "between " + core::format_duration(config::kMinSourceInterval) + " and " +
                     core::format_duration(config::kMaxSourceInterval) + " (as [[sources]] interval in the config file)");
  return *interval;
}

// A source the config file lists is the file's: a change made here would be
// undone by the next sync (start or reload), so it is refused, naming the file.
void refuse_config_source(store::Store& db, const std::string& url, const GlobalOptions& globals,
                          const char* change) {
  for (const auto& row : db.list_sources()) {
    if (row.url != url || row.origin != store::SourceOrigin::kConfig) continue;
    throw UsageError("source " + printable(url) + " is managed by the config file " + globals.config_path +
                     " ([[sources]]); " + change + " there and reload (a change made here would be undone by the "
                     "next sync)");
  }
}

// enable / disable / remove take one URL and report whether it was known.
void add_url_action(CLI::App* parent, const GlobalOptions& globals, CommandResult& result, const char* name,
                    const char* description,
                    std::function<bool(store::Store&, const std::string&)> action) {
  auto* command = parent->add_subcommand(name, description);
  auto url = std::make_shared<std::string>();
  command->add_option("url", *url, "Source URL")->required();
  command->callback([&globals, &result, url, action, name] {
    const auto config = load_config(globals);
    auto db = open_current_store(config);
    if (!action(*db, *url)) {
      std::cerr << "feedclusterd: no source with URL " << printable(*url) << "\n";
      result.exit_code = core::kExitRuntimeFailure;
      return;
    }
    std::cout << name << ": " << printable(*url) << "\n";
    result.exit_code = core::kExitOk;
  });
}

}  // namespace

void add_sources_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* sources = app.add_subcommand("sources", "List and manage the polled sources");
  sources->require_subcommand(1);

  auto* list = sources->add_subcommand("list", "Show every source with its health");
  auto json = std::make_shared<bool>(false);
  list->add_flag("--json", *json, "One JSON object per source");
  list->callback([&globals, &result, json] {
    const auto config = load_config(globals);
    auto db = open_current_store(config);
    const auto rows = db->list_sources();
    *json ? print_json(rows) : print_table(rows);
    result.exit_code = core::kExitOk;
  });

  auto* add = sources->add_subcommand("add", "Add a source (or update it when the URL exists)");
  auto spec = std::make_shared<store::SourceSpec>();
  auto interval = std::make_shared<std::string>();
  auto title = std::make_shared<std::string>();
  add->add_option("url", spec->url, "Feed URL (http or https)")->required();
  add->add_option("--title", *title, "Title shown for the source");
  add->add_option("--interval", *interval, "Poll interval, e.g. 15m (adaptive when not given)");
  add->add_option("--tag", spec->tags, "Tag (repeatable)");
  add->callback([&globals, &result, spec, interval, title] {
    require_http_url(spec->url);
    if (!title->empty()) spec->title = *title;
    if (!interval->empty()) spec->interval = source_interval(*interval);
    spec->origin = store::SourceOrigin::kCli;
    const auto config = load_config(globals);
    auto db = open_current_store(config);
    refuse_config_source(*db, spec->url, globals, "change its title, interval or tags");
    const auto counts = db->upsert_sources({*spec}, store::SourceOrigin::kCli);
    std::cout << (counts.added ? "added: " : counts.updated ? "updated: " : "unchanged: ") << spec->url << "\n";
    result.exit_code = core::kExitOk;
  });

  add_url_action(sources, globals, result, "enable", "Enable a source",
                 [&globals](store::Store& db, const std::string& url) {
                   // The sync disabled it because the file no longer lists it,
                   // and would disable it again.
                   for (const auto& row : db.list_sources())
                     if (row.url == url && row.origin == store::SourceOrigin::kConfig && row.disabled_by == "sync")
                       throw UsageError("source " + printable(url) + " was removed from the config file " +
                                        globals.config_path + " ([[sources]]); list it there again and reload (an "
                                        "enable made here would be undone by the next sync)");
                   return db.set_source_enabled(url, true);
                 });
  add_url_action(sources, globals, result, "disable", "Disable a source (its articles stay)",
                 [](store::Store& db, const std::string& url) { return db.set_source_enabled(url, false); });
  add_url_action(sources, globals, result, "remove",
                 "Delete a source AND its articles (disable it to keep them)",
                 [](store::Store& db, const std::string& url) {
                   const auto removed = db.remove_source(url);
                   if (removed.found)
                     std::cout << "deleted " << removed.articles_deleted << " articles and "
                               << removed.stories_deleted << " emptied stories\n";
                   return removed.found;
                 });
}

}  // namespace fcd::cli
