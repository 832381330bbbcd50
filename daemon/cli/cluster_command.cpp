// feedclusterd cluster [INPUT.jsonl|-]: offline replay of the clustering engine,
// for scoring and tuning without a database.
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cluster/engine.hpp"
#include "core/time.hpp"
#include "service/clusterer.hpp"

namespace fcd::cli {

namespace {

struct ClusterOptions {
  std::string input = "-";
  std::vector<std::string> overrides;  // KEY=VALUE
  bool show_options = false;
};

std::string text_field(const nlohmann::json& item, const char* key) {
  auto it = item.find(key);
  if (it == item.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

int run_cluster(const ClusterOptions& options, const GlobalOptions& globals) {
  cluster::EngineOptions engine_options;
  if (globals.config_path_given) engine_options = service::cluster_engine_options(load_config(globals));
  for (const std::string& pair : options.overrides) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos) throw UsageError("--option expects KEY=VALUE, got " + pair);
    if (auto error = cluster::set_option(engine_options, pair.substr(0, eq), pair.substr(eq + 1)))
      throw UsageError(*error);
  }
  if (options.show_options) {
    for (const auto& [key, value] : cluster::describe_options(engine_options)) std::cout << key << " = " << value << "\n";
    return core::kExitOk;
  }

  std::ifstream file;
  if (options.input != "-") {
    file.open(options.input);
    if (!file) throw std::runtime_error("cannot open " + options.input);
  }
  std::istream& in = options.input == "-" ? std::cin : file;

  cluster::Engine engine(engine_options);
  std::vector<nlohmann::json> ids;                // engine article id - 1 -> the input's id
  std::map<std::string, core::ArticleId> by_key;  // the input's id, serialised -> engine id
  std::vector<core::ArticleId> order;             // one per input line
  std::unordered_map<core::ArticleId, cluster::Decision> placement_of;  // each article's last placement
  std::unordered_map<core::StoryId, core::StoryId> merged_into;
  auto apply_events = [&merged_into](const std::vector<cluster::StoryEvent>& events) {
    for (const auto& e : events)
      if (e.kind == cluster::StoryEvent::Kind::kMerged) merged_into[e.story] = e.merged_into;
  };

  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json item;
    try {
      item = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(options.input + ":" + std::to_string(line_number) + ": " + e.what());
    }
    if (!item.is_object() || !item.contains("id") || item["id"].is_null() || !item.contains("title"))
      throw std::runtime_error(options.input + ":" + std::to_string(line_number) + ": needs \"id\" and \"title\"");
    const std::string key = item["id"].dump();
    auto [it, inserted] = by_key.try_emplace(key, static_cast<core::ArticleId>(ids.size() + 1));
    if (inserted) ids.push_back(item["id"]);

    cluster::Article article;
    article.id = it->second;
    article.title = text_field(item, "title");
    article.text = text_field(item, "summary");
    article.source = text_field(item, "source");
    article.url = text_field(item, "url");
    article.language = text_field(item, "lang");
    if (const std::string published = text_field(item, "published"); !published.empty()) {
      article.published = core::parse_rfc3339(published);
      if (!article.published)
        throw std::runtime_error(options.input + ":" + std::to_string(line_number) + ": bad published time " +
                                 published);
    }
    const cluster::Decision decision = engine.add(article);
    apply_events(decision.events);
    cluster::Decision& placement = placement_of[article.id] = decision;
    placement.events.clear();
    order.push_back(article.id);
  }
  apply_events(engine.merge_pass());

  auto final_story = [&merged_into](core::StoryId story) {
    for (auto it = merged_into.find(story); it != merged_into.end(); it = merged_into.find(story)) story = it->second;
    return story;
  };
  for (core::ArticleId id : order) {
    nlohmann::json out;
    out["id"] = ids[static_cast<std::size_t>(id - 1)];
    const cluster::Decision& placement = placement_of.at(id);
    out["story"] = final_story(placement.story);
    out["duplicate_of"] = placement.duplicate_of ? ids[static_cast<std::size_t>(*placement.duplicate_of - 1)]
                                                 : nlohmann::json(nullptr);
    out["score"] = placement.score;
    out["threshold"] = placement.threshold;
    out["matched_terms"] = placement.matched_terms;
    std::cout << out.dump() << "\n";
  }
  std::cout.flush();
  return core::kExitOk;
}

}  // namespace

void add_cluster_command(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto options = std::make_shared<ClusterOptions>();
  auto* command = app.add_subcommand(
      "cluster",
      "Cluster a JSON-lines file of items offline (no database) and print each item's final story, duplicate_of "
      "and the reason of its placement (score, threshold, matched_terms)");
  command->add_option("input", options->input, "Input file, one JSON object a line, or - for standard input")
      ->capture_default_str();
  command->add_option("--option", options->overrides,
                      "Override an engine knob, KEY=VALUE (see --show-options); may be repeated");
  command->add_flag("--show-options", options->show_options, "Print every engine knob with its value and exit");
  command->callback([options, &globals, &result] { result.exit_code = run_cluster(*options, globals); });
}

}  // namespace fcd::cli
