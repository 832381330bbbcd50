#include "service/clusterer.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace fcd::service {

namespace {

// While batches come full, the backlog is counted at most this often (a count
// over a large backlog costs the database more than a batch's write) and
// estimated from what was placed in between.
constexpr std::chrono::seconds kBacklogRecount{5};

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

bool could_be_the_articles(const store::StoreError& error) {
  if (error.retryable() || dynamic_cast<const store::NotClustererError*>(&error)) return false;
  const auto& state = error.sqlstate();
  // 22: data exception, 23: integrity constraint, 54: program limit (a row
  // too large), P0: raised by a function or trigger, "": our own invariants.
  return state.empty() || state.starts_with("22") || state.starts_with("23") || state.starts_with("54") ||
         state.starts_with("P0");
}

Clusterer::Clusterer(store::StoreOptions store_options, cluster::EngineOptions engine_options,
                     std::size_t batch_size, Placer placer)
    : store_options_(std::move(store_options)),
      engine_(std::move(engine_options)),
      batch_size_(batch_size),
      placer_(placer ? std::move(placer)
                     : Placer{[](cluster::Engine& engine, const cluster::Article& article) { return engine.add(article); }}) {}

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
  using Clock = std::chrono::steady_clock;
  auto mark = Clock::now();
  const auto lap = [&mark](Clock::duration& into) {
    const auto t = Clock::now();
    into += t - mark;
    mark = t;
  };
  connect();
  if (!store_->holds_clusterer_lock()) {
    if (!store_->try_acquire_clusterer_lock()) {
      result.backlog = count_backlog(false, 0);
      return result;
    }
    engine_matches_store_ = false;
    result.requeued = static_cast<std::size_t>(store_->requeue_set_aside_of_other_versions());
  }
  result.holds_lock = true;

  const auto pending = store_->pending_articles(0, batch_size_);
  // The window is replayed only once there is something to place: a start
  // with nothing new (a warm poll-once) does not pay for it.
  if (!pending.empty() && !engine_matches_store_) {
    result.restored = restore_window(now);
    engine_matches_store_ = true;
  }
  lap(result.read_time);
  if (pending.empty()) {
    result.backlog = count_backlog(false, 0);
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
    place(article, result.set_aside, [&](cluster::Decision&& decision) { decisions.push_back(std::move(decision)); });
  }
  lap(result.engine_time);
  const auto engine_failures = result.set_aside.size();
  write_isolating(decisions, change_seqs, now, result.stories_created, result.stories_merged, result.set_aside);
  // When every article of a batch fails alone, the fault is not theirs (a
  // broken schema, a trigger refusing all writes): the clusterer stops and
  // says so instead of setting the whole stream aside.
  if (const auto write_failures = result.set_aside.size() - engine_failures;
      decisions.size() > 1 && write_failures == decisions.size())
    throw store::StoreError("", "write cluster decisions",
                            "each of the " + std::to_string(decisions.size()) +
                                " articles of the batch failed alone, so the fault is not theirs: " +
                                result.set_aside.back().reason);
  if (!result.set_aside.empty()) store_->set_aside(result.set_aside, now);
  // A set-aside article may be in the engine (its write failed) or have left
  // it half placed (the engine threw): the next step rebuilds the engine from
  // what was stored.
  engine_matches_store_ = result.set_aside.empty();
  result.articles = pending.size() - result.set_aside.size();
  result.backlog = count_backlog(pending.size() == batch_size_, pending.size());
  lap(result.write_time);
  result.window = engine_.stats();
  return result;
}

store::ClusteringBacklog Clusterer::count_backlog(bool batch_was_full, std::size_t handled) {
  const auto now = std::chrono::steady_clock::now();
  if (batch_was_full && now - backlog_counted_at_ < kBacklogRecount) {
    // At least one more, since the batch was full.
    backlog_.waiting = std::max<std::int64_t>(1, backlog_.waiting - static_cast<std::int64_t>(handled));
    return backlog_;
  }
  backlog_ = store_->clustering_backlog();
  backlog_counted_at_ = now;
  return backlog_;
}

store::ClusteringBacklog Clusterer::backlog() {
  try {
    if (store_ && store_->is_connected()) {
      backlog_ = store_->clustering_backlog();
      backlog_counted_at_ = std::chrono::steady_clock::now();
    }
  } catch (const store::StoreError&) {
    // The last count stands.
  }
  return backlog_;
}

template <class Visit>
void Clusterer::place(const store::PendingArticle& article, std::vector<store::SetAside>& set_aside, Visit&& placed) {
  try {
    placed(placer_(engine_, cluster_article(article)));
  } catch (const std::exception& e) {
    set_aside.push_back({article.id, article.change_seq, store::SetAsideStage::kEngine, e.what()});
  }
}

void Clusterer::write(std::span<const cluster::Decision> decisions,
                      const std::unordered_map<core::ArticleId, std::int64_t>& change_seqs, core::TimePoint now,
                      std::size_t& stories_created, std::size_t& stories_merged) {
  const std::vector<cluster::Decision> batch(decisions.begin(), decisions.end());
  const auto written = store_->write_cluster_batch(cluster_batch(batch, change_seqs, engine_, story_ids_), now);
  for (const auto& [key, id] : written.story_ids) story_ids_.remember(key, id);
  story_ids_.forget_gone(engine_);
  for (const auto& event : written.events) {
    if (event.kind == store::StoryEventKind::kCreated) ++stories_created;
    if (event.kind == store::StoryEventKind::kMerged) ++stories_merged;
  }
}

void Clusterer::write_isolating(std::span<const cluster::Decision> decisions,
                                const std::unordered_map<core::ArticleId, std::int64_t>& change_seqs,
                                core::TimePoint now, std::size_t& stories_created, std::size_t& stories_merged,
                                std::vector<store::SetAside>& set_aside) {
  if (decisions.empty()) return;
  try {
    write(decisions, change_seqs, now, stories_created, stories_merged);
    return;
  } catch (const store::StoreError& e) {
    if (!could_be_the_articles(e)) throw;
    if (decisions.size() == 1) {
      const auto seq = change_seqs.find(decisions.front().article);
      set_aside.push_back({decisions.front().article, seq == change_seqs.end() ? 0 : seq->second,
                           store::SetAsideStage::kWrite, e.what()});
      return;
    }
  }
  // Halves in order: stories the first half creates are known to the second.
  const auto half = decisions.size() / 2;
  write_isolating(decisions.first(half), change_seqs, now, stories_created, stories_merged, set_aside);
  write_isolating(decisions.subspan(half), change_seqs, now, stories_created, stories_merged, set_aside);
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
  ReclusterResult result;
  store_->for_each_article_since(since, store::WindowArticles::kAll, [&](store::PendingArticle&& article) {
    place(article, result.set_aside, [&](cluster::Decision&& decision) {
      placed.push_back({article.id, article.change_seq, article.story_id, std::move(decision)});
    });
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

  result.stories = live.size();
  for (std::size_t begin = 0; begin < placed.size(); begin += kReclusterBatch) {
    const auto end = std::min(placed.size(), begin + kReclusterBatch);
    std::vector<cluster::Decision> decisions;
    std::unordered_map<core::ArticleId, std::int64_t> change_seqs;
    for (auto i = begin; i < end; ++i) {
      decisions.push_back(placed[i].decision);
      change_seqs[placed[i].id] = placed[i].change_seq;
    }
    write_isolating(decisions, change_seqs, now, result.stories_created, result.stories_merged, result.set_aside);
  }
  if (!result.set_aside.empty()) store_->set_aside(result.set_aside, now);
  // Articles the engine threw on never reached `placed`; those whose write failed did.
  result.articles = placed.size() - static_cast<std::size_t>(std::count_if(
                                        result.set_aside.begin(), result.set_aside.end(),
                                        [](const auto& a) { return a.stage == store::SetAsideStage::kWrite; }));
  engine_matches_store_ = result.set_aside.empty();
  return result;
}

void Clusterer::release() {
  if (store_ && store_->is_connected() && store_->holds_clusterer_lock()) store_->release_clusterer_lock();
  store_.reset();
}

}  // namespace fcd::service
