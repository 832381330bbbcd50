#include "service/mapping.hpp"

#include <set>

#include "feed/url.hpp"

namespace fcd::service {

std::vector<store::SourceSpec> source_specs_from_config(const std::vector<config::SourceSettings>& sources) {
  std::vector<store::SourceSpec> specs;
  for (const auto& source : sources) {
    if (!source.enabled) continue;
    specs.push_back({.url = source.url,
                     .title = source.title,
                     .interval = source.interval,
                     .tags = source.tags,
                     .origin = store::SourceOrigin::kConfig});
  }
  return specs;
}

std::vector<store::ArticleInput> articles_from_feed(const feed::ParsedFeed& feed) {
  std::vector<store::ArticleInput> articles;
  articles.reserve(feed.entries.size());
  for (const auto& entry : feed.entries) {
    store::ArticleInput article;
    article.guid = entry.id;
    if (!entry.link.empty()) {
      article.url = entry.link;
      article.canonical_url = feed::canonicalize_url(entry.link);
    }
    article.title = entry.title;
    article.summary = entry.summary;
    article.content = entry.content;
    if (!entry.content_html.empty()) article.content_html = entry.content_html;
    if (!entry.author.empty()) article.author = entry.author;
    article.published_at = entry.published ? entry.published : entry.updated;
    if (!feed.language.empty()) article.language = feed.language;
    articles.push_back(std::move(article));
  }
  return articles;
}

cluster::Article cluster_article(const store::PendingArticle& article) {
  cluster::Article input;
  input.id = article.id;
  input.source = std::to_string(article.source_id);
  input.url = article.url.value_or("");
  input.canonical_url = article.canonical_url.value_or("");
  input.title = article.title;
  input.text = article.summary.empty() ? article.content : article.summary;
  // sort_at is published_at clamped to when we first saw it: a feed's claim
  // of a future date must not reorder the stream.
  input.published = article.sort_at;
  if (article.language) input.language = *article.language;
  return input;
}

std::optional<core::StoryId> StoryIdMap::database_id(core::StoryId engine_story) const {
  auto it = ids_.find(engine_story);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

void StoryIdMap::remember(core::StoryId engine_story, core::StoryId database_story) {
  ids_[engine_story] = database_story;
}

namespace {

store::DedupLevel level_of(const cluster::Decision& decision) {
  switch (decision.placement) {
    case cluster::Decision::Placement::kFounded: return store::DedupLevel::kSeed;
    case cluster::Decision::Placement::kJoined: return store::DedupLevel::kStory;
    case cluster::Decision::Placement::kDuplicate:
      return decision.score >= 1.0 ? store::DedupLevel::kExact : store::DedupLevel::kNear;
  }
  return store::DedupLevel::kStory;
}

}  // namespace

store::ClusterBatch cluster_batch(const std::vector<cluster::Decision>& decisions,
                                  const std::unordered_map<core::ArticleId, std::int64_t>& change_seqs,
                                  const cluster::Engine& engine, const StoryIdMap& ids) {
  store::ClusterBatch batch;
  std::set<core::StoryId> stories;
  for (const auto& decision : decisions) {
    stories.insert(decision.story);
    for (const auto& event : decision.events) {
      stories.insert(event.story);
      if (event.kind == cluster::StoryEvent::Kind::kMerged) {
        stories.insert(event.merged_into);
        batch.merges.push_back({.from_key = event.story, .into_key = event.merged_into});
      }
    }
    auto seq = change_seqs.find(decision.article);
    batch.memberships.push_back({.article_id = decision.article,
                                 .change_seq = seq == change_seqs.end() ? 0 : seq->second,
                                 .story_key = decision.story,
                                 .duplicate_of = decision.duplicate_of,
                                 .level = level_of(decision),
                                 .score = decision.score,
                                 .matched_terms = decision.matched_terms});
  }
  for (const auto story : stories) {
    store::StoryWrite write;
    write.key = story;
    write.id = ids.database_id(story);
    // A merged-away story may have left the engine; its row keeps its headline.
    if (auto headline = engine.headline(story)) write.headline = *headline;
    else if (!write.id) write.headline = "";
    batch.stories.push_back(std::move(write));
  }
  return batch;
}

}  // namespace fcd::service
