#include "corpus.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <unordered_map>

#include "core/time.hpp"

namespace fcd::cluster::testing {

std::vector<LabelledArticle> load_set(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<LabelledArticle> out;
  std::string line;
  auto text = [](const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string{};
  };
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    LabelledArticle item;
    item.article.id = static_cast<core::ArticleId>(out.size() + 1);
    item.article.title = text(j, "title");
    item.article.text = text(j, "summary");
    item.article.source = text(j, "source");
    item.article.url = text(j, "url");
    item.article.language = text(j, "lang");
    item.article.published = core::parse_rfc3339(text(j, "published"));
    item.story = text(j, "story");
    out.push_back(std::move(item));
  }
  return out;
}

void sort_by_time(std::vector<LabelledArticle>& set) {
  std::stable_sort(set.begin(), set.end(), [](const LabelledArticle& a, const LabelledArticle& b) {
    return a.article.published < b.article.published;
  });
}

void day_jitter(std::vector<LabelledArticle>& set, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<long> offset(-12 * 3600, 12 * 3600);
  for (auto& item : set)
    if (item.article.published) *item.article.published += core::Duration{offset(rng)};
  sort_by_time(set);
}

Scores cluster_and_score(const std::vector<LabelledArticle>& set, const EngineOptions& options) {
  Engine engine(options);
  std::unordered_map<core::ArticleId, core::StoryId> story_of;
  std::unordered_map<core::StoryId, core::StoryId> merged_into;
  auto note = [&merged_into](const std::vector<StoryEvent>& events) {
    for (const auto& e : events)
      if (e.kind == StoryEvent::Kind::kMerged) merged_into[e.story] = e.merged_into;
  };
  for (const auto& item : set) {
    const Decision d = engine.add(item.article);
    story_of[item.article.id] = d.story;
    note(d.events);
  }
  note(engine.merge_pass());
  auto final_story = [&merged_into](core::StoryId s) {
    for (auto it = merged_into.find(s); it != merged_into.end(); it = merged_into.find(s)) s = it->second;
    return s;
  };

  std::map<core::StoryId, std::size_t> predicted_size;
  std::map<std::string, std::size_t> gold_size;
  std::map<std::pair<core::StoryId, std::string>, std::size_t> both;
  for (const auto& item : set) {
    const core::StoryId p = final_story(story_of.at(item.article.id));
    ++predicted_size[p];
    ++gold_size[item.story];
    ++both[{p, item.story}];
  }
  Scores s;
  const double n = static_cast<double>(set.size());
  for (const auto& [key, count] : both) {
    s.bcubed_precision += static_cast<double>(count) * count / static_cast<double>(predicted_size[key.first]) / n;
    s.bcubed_recall += static_cast<double>(count) * count / static_cast<double>(gold_size[key.second]) / n;
  }
  auto pairs = [](std::size_t k) { return static_cast<double>(k) * (static_cast<double>(k) - 1) / 2; };
  double tp = 0, predicted_pairs = 0, gold_pairs = 0;
  for (const auto& [key, count] : both) tp += pairs(count);
  for (const auto& [key, count] : predicted_size) predicted_pairs += pairs(count);
  for (const auto& [key, count] : gold_size) gold_pairs += pairs(count);
  s.pairwise_precision = predicted_pairs > 0 ? tp / predicted_pairs : 0;
  s.pairwise_recall = gold_pairs > 0 ? tp / gold_pairs : 0;
  auto f1 = [](double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; };
  s.bcubed_f1 = f1(s.bcubed_precision, s.bcubed_recall);
  s.pairwise_f1 = f1(s.pairwise_precision, s.pairwise_recall);
  return s;
}

}  // namespace fcd::cluster::testing
