#include "service/mapping.hpp"

#include <algorithm>
#include <set>

#include "core/ascii.hpp"
#include "feed/discovery.hpp"
#include "url/url.hpp"

namespace fcd::service {

namespace {

// Enough feed links to find the right one, few enough to keep last_error short.
constexpr std::size_t kMaxFeedLinksNamed = 5;

// By its Content-Type, or by its first tag when the server mislabels it.
bool looks_like_html(const fetch::FetchResult& result) {
  if (core::to_lower(result.content_type).find("html") != std::string::npos) return true;
  std::string_view head = result.first_bytes();
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);
  const auto start = head.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return false;
  const std::string tag = core::to_lower(head.substr(start, 14));
  return tag.starts_with("<!doctype html") || tag.starts_with("<html");
}

}  // namespace

fetch::FetcherOptions fetcher_options(const config::Config& config) {
  fetch::FetcherOptions options;
  const auto& f = config.fetch;
  options.limits.connect_timeout = f.connect_timeout;
  options.limits.total_timeout = f.total_timeout;
  options.limits.low_speed_bytes = f.low_speed_limit_bytes;
  options.limits.low_speed_time = f.low_speed_time;
  options.limits.max_body_bytes = static_cast<std::size_t>(f.max_body_bytes);
  options.limits.max_redirects = f.max_redirects;
  options.max_concurrent = static_cast<std::size_t>(f.max_concurrent);
  options.hosts.defaults.max_concurrent = static_cast<std::size_t>(f.max_per_host);
  options.max_per_address = static_cast<std::size_t>(f.max_per_address);
  options.hosts.defaults.requests_per_minute = f.requests_per_minute_per_host;
  for (const auto& [host, per_minute] : f.host_requests_per_minute) {
    auto limits = options.hosts.defaults;
    limits.requests_per_minute = per_minute;
    options.hosts.overrides[host] = limits;
  }
  options.user_agent = f.user_agent;
  options.proxy = f.proxy;
  options.ca_bundle = f.ca_bundle;
  options.block_private_addresses = f.block_private_addresses;
  return options;
}

fetch::PollPolicy poll_policy(const config::Config& config) {
  fetch::PollPolicy policy;
  policy.backoff.cap = config.polling.error_backoff_max;
  policy.redirect_grace = config.fetch.permanent_redirect_grace;
  return policy;
}

feed::ParseLimits parse_limits(const config::Config& config) {
  feed::ParseLimits limits;
  limits.max_document_bytes = static_cast<std::size_t>(config.parse.max_document_bytes);
  limits.max_entries = static_cast<std::size_t>(config.parse.max_items);
  limits.max_field_bytes = static_cast<std::size_t>(config.parse.max_field_bytes);
  return limits;
}

fetch::FetchRequest fetch_request(const store::ClaimedSource& source) {
  fetch::FetchRequest request;
  request.url = source.url;
  // After a failed poll the body is fetched and parsed in full even if it
  // did not change: the error replaced what the store knew of the body (its
  // parse warning), and only a parse tells it again.
  if (source.error_count > 0) return request;
  request.etag = source.etag.value_or("");
  request.last_modified = source.last_modified.value_or("");
  request.previous_body_hash = source.body_hash;
  return request;
}

fetch::SourcePollState poll_state(const store::ClaimedSource& source, core::Duration default_interval) {
  fetch::SourcePollState state;
  state.error_count = source.error_count;
  state.interval = source.interval.value_or(default_interval);
  if (source.pending_redirect)
    state.pending_redirect = fetch::PendingRedirect{source.pending_redirect->url, source.pending_redirect->first_seen};
  return state;
}

store::FetchOutcome fetch_outcome(const fetch::FetchResult& result, const fetch::PollDecision& decision,
                                  const feed::ParsedFeed* feed) {
  store::FetchOutcome outcome;
  if (result.status != 0) outcome.http_status = result.status;
  outcome.success = decision.error.empty();
  if (!decision.error.empty()) outcome.error = decision.error;
  if (!result.etag.empty()) outcome.etag = result.etag;
  if (!result.last_modified.empty()) outcome.last_modified = result.last_modified;
  outcome.next_poll_at = decision.next_poll_at;
  if (feed) {
    outcome.body_hash = result.body_hash;
    if (feed->bozo) outcome.warning = "warning: " + feed->bozo_message;
  }
  if (const auto& pending = decision.redirect.pending)
    outcome.pending_redirect = store::PendingRedirect{pending->url, pending->first_seen};
  outcome.new_url = decision.redirect.adopt_url;
  outcome.gone = decision.action == fetch::PollAction::kDisable;
  return outcome;
}

std::string not_a_feed_error(const fetch::FetchResult& result, const feed::ParsedFeed& parsed) {
  const std::string content_type = result.content_type.empty() ? "no Content-Type" : result.content_type;
  if (!looks_like_html(result)) return "not a feed (" + content_type + "): " + parsed.bozo_message;
  const auto links = feed::find_feed_links(result.body, result.final_url);
  if (links.empty()) return "HTML page, not a feed (" + content_type + "), and it links to no feed";
  std::string error = "HTML page, not a feed; it links to feeds: ";
  for (std::size_t i = 0; i < links.size() && i < kMaxFeedLinksNamed; ++i) {
    if (i > 0) error += ", ";
    error += links[i].url;
  }
  if (links.size() > kMaxFeedLinksNamed)
    error += " (and " + std::to_string(links.size() - kMaxFeedLinksNamed) + " more)";
  return error;
}

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
      article.canonical_url = url::canonicalize(entry.link);
    }
    article.title = entry.title;
    article.summary = entry.summary;
    article.content = entry.content;
    if (!entry.content_html.empty()) article.content_html = entry.content_html;
    if (!entry.author.empty()) article.author = entry.author;
    article.published_at = entry.published ? entry.published : entry.updated;
    if (!feed.language.empty()) article.language = feed.language;
    for (const auto& enclosure : entry.enclosures)
      article.enclosures.push_back({enclosure.url, enclosure.type, enclosure.length});
    if (!entry.thumbnail.empty()) article.image = entry.thumbnail;
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

void StoryIdMap::forget_gone(const cluster::Engine& engine) {
  if (ids_.size() < next_forget_pass_) return;
  std::erase_if(ids_, [&engine](const auto& entry) { return !engine.holds_story(entry.first); });
  next_forget_pass_ = std::max(kMinForgetPass, 2 * ids_.size());
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
