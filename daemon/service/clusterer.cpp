#include "service/clusterer.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace fcd::service {

namespace {

// Articles per written batch in recluster: one transaction each, small enough
// to keep locks short, large enough that a week's window is a few hundred.
constexpr std::size_t kReclusterBatch = 2000;

}  // namespace

cluster::EngineOptions cluster_engine_options(const config::Config& config) {
  cluster::EngineOptions options;
  options.window = config.cluster.window;
  for (const auto& knob : config.cluster.tuning)
    if (auto error = cluster::set_option(options, knob.key, knob.value))
      throw config::ConfigError(knob.file, knob.line, "cluster.tuning." + knob.key, *error);
  return options;
}

StoryIdMap adopt_stored_story_ids(const std::vector<std::pair<core::StoryId, core::StoryId>>& placements) {
  std::map<std::pair<core::StoryId, core::StoryId>, int> counts;
  for (const auto& placement : placements) ++counts[placement];
  std::vector<std::tuple<int, core::StoryId, core::StoryId>> ranked;  // count, stored, engine
  ranked.reserve(counts.size());
  for (const auto& [pair, count] : counts) ranked.emplace_back(count, pair.second, pair.first);
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) > std::get<0>(b);
    return std::tie(std::get<1>(a), std::get<2>(a)) < std::tie(std::get<1>(b), std::get<2>(b));
  });
  StoryIdMap ids;
  std::set<core::StoryId> taken;
  for (const auto& [count, stored, engine_story] : ranked) {
    if (ids.database_id(engine_story) || taken.count(stored)) continue;
    ids.remember(engine_story, stored);
    taken.insert(stored);
  }
  return ids;
}

Clusterer::Clusterer(store::StoreOptions store_options, cluster::EngineOptions engine_options,
                     std::size_t batch_size)
    : store_options_(std::move(store_options)), engine_(std::move(engine_options)), batch_size_(batch_size) {}

void Clusterer::connect() {
  if (store_ && !store_->is_connected()) store_.reset();
  if (!store_) store_ = std::make_unique<store::Store>(store_options_);
}

std::size_t Clusterer::restore_window(core::TimePoint now) {
  engine_ = cluster::Engine(engine_.options());
  std::vector<core::ArticleId> articles;
  std::vector<core::StoryId> stored_stories;
  // The window ends at the newest placed article, not at the wall clock: the
  // engine keeps stories for `window` of article time, so after a quiet spell
  // (feeds down, a backfill of old items) it holds stories the wall clock
  // would leave out, and the rebuilt engine must hold the same.
  const core::TimePoint newest = store_->newest_placed_article_time().value_or(now);
  const auto count = store_->for_each_article_since(
      newest - engine_.options().window, store::WindowArticles::kClustered, [&](store::PendingArticle&& article) {
        articles.push_back(article.id);
        stored_stories.push_back(*article.story_id);
        engine_.add(cluster_article(article));
      });
  engine_.merge_pass();
  std::vector<std::pair<core::StoryId, core::StoryId>> placements;
  placements.reserve(articles.size());
  for (std::size_t i = 0; i < articles.size(); ++i)
    if (const auto story = engine_.story_of(articles[i])) placements.emplace_back(*story, stored_stories[i]);
  story_ids_ = adopt_stored_story_ids(placements);
  return count;
}

ClusterStepResult Clusterer::step(core::TimePoint now) {
  ClusterStepResult result;
  connect();
  if (!store_->holds_clusterer_lock()) {
    if (!store_->try_acquire_clusterer_lock()) return result;
    engine_matches_store_ = false;
  }
  if (!engine_matches_store_) {
    result.restored = restore_window(now);
    engine_matches_store_ = true;
  }
  result.holds_lock = true;

  const auto pending = store_->pending_articles(0, batch_size_);
  if (pending.empty()) {
    result.window = engine_.stats();
    return result;
  }

  // The engine places the batch before it is written. Were a failed batch
  // simply placed again, each article would go in as an update of itself,
  // leaving a dead copy behind until article time moved past it, which it
  // does not while the write keeps failing: memory grew by a batch a retry.
  engine_matches_store_ = false;
  std::unordered_map<core::ArticleId, std::int64_t> change_seqs;
  std::vector<cluster::Decision> decisions;
  decisions.reserve(pending.size());
  for (const auto& article : pending) {
    change_seqs[article.id] = article.change_seq;
    decisions.push_back(engine_.add(cluster_article(article)));
  }
  write(decisions, change_seqs, now, result.stories_created, result.stories_merged);
  engine_matches_store_ = true;
  result.articles = pending.size();
  result.window = engine_.stats();
  return result;
}

void Clusterer::write(const std::vector<cluster::Decision>& decisions,
                      const std::unordered_map<core::ArticleId, std::int64_t>& change_seqs, core::TimePoint now,
                      std::size_t& stories_created, std::size_t& stories_merged) {
  const auto written = store_->write_cluster_batch(cluster_batch(decisions, change_seqs, engine_, story_ids_), now);
  for (const auto& [key, id] : written.story_ids) story_ids_.remember(key, id);
  story_ids_.forget_gone(engine_);
  for (const auto& event : written.events) {
    if (event.kind == store::StoryEventKind::kCreated) ++stories_created;
    if (event.kind == store::StoryEventKind::kMerged) ++stories_merged;
  }
}

ReclusterResult Clusterer::recluster(core::TimePoint since, core::TimePoint now) {
  connect();
  if (!store_->holds_clusterer_lock() && !store_->try_acquire_clusterer_lock()) throw ClustererBusyError();

  engine_matches_store_ = false;
  engine_ = cluster::Engine(engine_.options());
  struct Placed {
    core::ArticleId id;
    std::int64_t change_seq;
    std::optional<core::StoryId> stored_story;
    cluster::Decision decision;
  };
  std::vector<Placed> placed;
  store_->for_each_article_since(since, store::WindowArticles::kAll, [&](store::PendingArticle&& article) {
    placed.push_back({article.id, article.change_seq, article.story_id, engine_.add(cluster_article(article))});
  });
  engine_.merge_pass();

  // Decisions name the story at the time; merges since then moved them on.
  std::vector<std::pair<core::StoryId, core::StoryId>> placements;
  std::set<core::StoryId> live;
  for (auto& p : placed) {
    if (const auto story = engine_.story_of(p.id)) p.decision.story = *story;
    p.decision.events.clear();
    live.insert(p.decision.story);
    if (p.stored_story) placements.emplace_back(p.decision.story, *p.stored_story);
  }
  story_ids_ = adopt_stored_story_ids(placements);

  ReclusterResult result;
  result.articles = placed.size();
  result.stories = live.size();
  for (std::size_t begin = 0; begin < placed.size(); begin += kReclusterBatch) {
    const auto end = std::min(placed.size(), begin + kReclusterBatch);
    std::vector<cluster::Decision> decisions;
    std::unordered_map<core::ArticleId, std::int64_t> change_seqs;
    for (auto i = begin; i < end; ++i) {
      decisions.push_back(placed[i].decision);
      change_seqs[placed[i].id] = placed[i].change_seq;
    }
    write(decisions, change_seqs, now, result.stories_created, result.stories_merged);
  }
  engine_matches_store_ = true;
  return result;
}

void Clusterer::release() {
  if (store_ && store_->is_connected() && store_->holds_clusterer_lock()) store_->release_clusterer_lock();
  store_.reset();
}

}  // namespace fcd::service
