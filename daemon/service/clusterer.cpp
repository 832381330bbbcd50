#include "service/clusterer.hpp"

namespace fcd::service {

Clusterer::Clusterer(store::StoreOptions store_options, cluster::EngineOptions engine_options,
                     std::size_t batch_size)
    : store_options_(std::move(store_options)), engine_(std::move(engine_options)), batch_size_(batch_size) {}

ClusterStepResult Clusterer::step(core::TimePoint now) {
  ClusterStepResult result;
  if (store_ && !store_->is_connected()) store_.reset();
  if (!store_) store_ = std::make_unique<store::Store>(store_options_);
  if (!store_->holds_clusterer_lock() && !store_->try_acquire_clusterer_lock()) return result;
  result.holds_lock = true;

  const auto pending = store_->pending_articles(0, batch_size_);
  if (pending.empty()) return result;

  std::unordered_map<core::ArticleId, std::int64_t> change_seqs;
  std::vector<cluster::Decision> decisions;
  decisions.reserve(pending.size());
  for (const auto& article : pending) {
    change_seqs[article.id] = article.change_seq;
    decisions.push_back(engine_.add(cluster_article(article)));
  }
  const auto written = store_->write_cluster_batch(cluster_batch(decisions, change_seqs, engine_, story_ids_), now);
  for (const auto& [key, id] : written.story_ids) story_ids_.remember(key, id);
  for (const auto& event : written.events) {
    if (event.kind == store::StoryEventKind::kCreated) ++result.stories_created;
    if (event.kind == store::StoryEventKind::kMerged) ++result.stories_merged;
  }
  result.articles = pending.size();
  return result;
}

void Clusterer::release() {
  if (store_ && store_->is_connected() && store_->holds_clusterer_lock()) store_->release_clusterer_lock();
  store_.reset();
}

}  // namespace fcd::service
