#include <gtest/gtest.h>

#include "feed/feed.hpp"
#include "service/clusterer.hpp"
#include "service/mapping.hpp"

namespace fcd::service {
namespace {

using namespace std::chrono_literals;

TEST(Mapping, RebuiltStoriesTakeTheStoredIdMostOfTheirMembersHad) {
  // Engine story 1 holds two articles of stored story 70 and one of 80; engine
  // story 2 holds one of 80; engine story 3 is new ground (one of 70).
  const auto ids = adopt_stored_story_ids({{1, 70}, {1, 70}, {1, 80}, {2, 80}, {3, 70}});
  EXPECT_EQ(ids.database_id(1), 70);
  EXPECT_EQ(ids.database_id(2), 80);
  EXPECT_FALSE(ids.database_id(3).has_value());  // 70 is taken: a new story id
}

TEST(Mapping, StoryIdsAreForgottenOnceTheEngineDropsTheirStories) {
  cluster::EngineOptions options;
  options.window = 1h;
  cluster::Engine engine(options);
  const core::TimePoint t0{core::Duration{1'780'000'000}};
  cluster::Article volcano;
  volcano.id = 1;
  volcano.source = "a";
  volcano.url = "https://a.example/volcano";
  volcano.title = "Volcano erupts again on Iceland's Reykjanes peninsula";
  volcano.published = t0;
  const auto left = engine.add(volcano).story;
  cluster::Article rates;
  rates.id = 2;
  rates.source = "b";
  rates.url = "https://b.example/rates";
  rates.title = "Central bank raises interest rates for the third time this year";
  rates.published = t0 + 2h;
  const auto live = engine.add(rates).story;
  ASSERT_FALSE(engine.headline(left).has_value()) << "the first article has left the 1 h window";

  StoryIdMap ids;
  ids.remember(left, 100);
  ids.remember(live, 200);
  ids.forget_gone(engine);
  EXPECT_EQ(ids.size(), 2u) << "a small map is not worth a pass";
  // Stories founded and merged away long ago; the engine never reuses an id.
  for (core::StoryId story = 1000; ids.size() < 1024; ++story) ids.remember(story, story + 5000);
  ids.forget_gone(engine);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids.database_id(live), 200);
  EXPECT_FALSE(ids.database_id(left).has_value());
}

TEST(Mapping, ClusterTuningKnobsReachTheEngineAndBadOnesNameTheirLine) {
  auto config = config::parse_config("[cluster]\nwindow = \"48h\"\n[cluster.tuning]\njoin_threshold_pair = 0.35\n",
                                     "tuning.toml");
  const auto options = cluster_engine_options(config);
  EXPECT_EQ(options.window, 48h);
  EXPECT_DOUBLE_EQ(options.join_threshold_pair, 0.35);

  config = config::parse_config("[cluster.tuning]\n\nno_such_knob = 1\n", "tuning.toml");
  try {
    cluster_engine_options(config);
    FAIL() << "an unknown knob was accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.key(), "cluster.tuning.no_such_knob");
  }
}

TEST(Mapping, DisabledConfigSourcesAreLeftOutOfTheSync) {
  std::vector<config::SourceSettings> sources(2);
  sources[0].url = "https://a.example/feed";
  sources[0].title = "A";
  sources[0].interval = 15min;
  sources[0].tags = {"x"};
  sources[1].url = "https://b.example/feed";
  sources[1].enabled = false;
  const auto specs = source_specs_from_config(sources);
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].url, "https://a.example/feed");
  EXPECT_EQ(specs[0].title, "A");
  EXPECT_EQ(specs[0].interval, core::Duration{15min});
  EXPECT_EQ(specs[0].origin, store::SourceOrigin::kConfig);
}

TEST(Mapping, EntriesBecomeArticlesWithCanonicalUrls) {
  const auto feed = feed::parse_feed(R"(<rss version="2.0"><channel><title>T</title><language>en</language>
<item><guid>g1</guid><title>One</title><link>https://Example.com:443/a?utm_source=x&amp;id=3#top</link>
<description>Sum &amp; more</description><pubDate>Fri, 15 Aug 2025 15:00:00 GMT</pubDate></item>
<item><title>No link</title></item></channel></rss>)");
  const auto articles = articles_from_feed(feed);
  ASSERT_EQ(articles.size(), 2u);
  EXPECT_EQ(articles[0].guid, "g1");
  EXPECT_EQ(articles[0].canonical_url, "https://example.com/a?id=3");
  EXPECT_EQ(articles[0].summary, "Sum & more");
  EXPECT_EQ(articles[0].language, "en");
  ASSERT_TRUE(articles[0].published_at);
  EXPECT_FALSE(articles[1].url);
  EXPECT_FALSE(articles[1].guid.empty());
}

TEST(Mapping, EnclosuresAndImageAreKept) {
  const auto feed = feed::parse_feed(R"(<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<item><guid>g1</guid><title>Pod</title><link>https://example.com/p</link>
<enclosure url="https://example.com/p.mp3" type="audio/mpeg" length="1234"/>
<media:thumbnail url="https://example.com/p.jpg"/></item></channel></rss>)");
  const auto articles = articles_from_feed(feed);
  ASSERT_EQ(articles.size(), 1u);
  ASSERT_EQ(articles[0].enclosures.size(), 1u);
  EXPECT_EQ(articles[0].enclosures[0].url, "https://example.com/p.mp3");
  EXPECT_EQ(articles[0].enclosures[0].type, "audio/mpeg");
  EXPECT_EQ(articles[0].enclosures[0].length, 1234);
  EXPECT_EQ(articles[0].image, "https://example.com/p.jpg");
}

TEST(Mapping, ClusterArticlesUseTheClampedSortTime) {
  store::PendingArticle pending;
  pending.id = 7;
  pending.source_id = 3;
  pending.title = "Title";
  pending.content = "Body";
  pending.published_at = core::TimePoint{1000000s};
  pending.sort_at = core::TimePoint{500s};
  const auto article = cluster_article(pending);
  EXPECT_EQ(article.id, 7);
  EXPECT_EQ(article.source, "3");
  EXPECT_EQ(article.text, "Body");
  EXPECT_EQ(article.published, core::TimePoint{500s});
}

TEST(Mapping, BatchCarriesStoriesMembershipsAndMerges) {
  cluster::Engine engine;
  StoryIdMap ids;
  ids.remember(1, 101);
  cluster::Decision joined;
  joined.article = 10;
  joined.story = 1;
  joined.placement = cluster::Decision::Placement::kJoined;
  joined.score = 0.6;
  joined.matched_terms = {"alaska"};
  cluster::Decision copy;
  copy.article = 11;
  copy.story = 2;
  copy.placement = cluster::Decision::Placement::kDuplicate;
  copy.score = 1.0;
  copy.duplicate_of = 10;
  copy.events.push_back({.kind = cluster::StoryEvent::Kind::kMerged, .story = 2, .merged_into = 1, .headline = ""});
  const auto batch = cluster_batch({joined, copy}, {{10, 5}, {11, 6}}, engine, ids);
  ASSERT_EQ(batch.stories.size(), 2u);
  EXPECT_EQ(batch.stories[0].key, 1);
  EXPECT_EQ(batch.stories[0].id, 101);
  EXPECT_FALSE(batch.stories[1].id);
  ASSERT_EQ(batch.memberships.size(), 2u);
  EXPECT_EQ(batch.memberships[0].change_seq, 5);
  EXPECT_EQ(batch.memberships[0].level, store::DedupLevel::kStory);
  EXPECT_EQ(batch.memberships[1].level, store::DedupLevel::kExact);
  EXPECT_EQ(batch.memberships[1].duplicate_of, 10);
  ASSERT_EQ(batch.merges.size(), 1u);
  EXPECT_EQ(batch.merges[0].from_key, 2);
  EXPECT_EQ(batch.merges[0].into_key, 1);
}

TEST(Mapping, HtmlInsteadOfAFeedNamesTheFeedsItLinks) {
  fetch::FetchResult result;
  result.status = 200;
  result.content_type = "text/html; charset=utf-8";
  result.final_url = "https://site.example/blog/";
  result.body = R"(<!DOCTYPE html><html><head>
<link rel="alternate" type="application/rss+xml" href="/feed.xml">
<link rel="alternate" type="application/atom+xml" href="https://site.example/atom">
</head><body>hi</body></html>)";
  const auto parsed = feed::parse_feed(result.body, {});
  ASSERT_FALSE(parsed.is_feed);
  EXPECT_EQ(not_a_feed_error(result, parsed),
            "HTML page, not a feed; it links to feeds: https://site.example/feed.xml, https://site.example/atom");

  result.body = "<html><body>no feed here</body></html>";
  EXPECT_EQ(not_a_feed_error(result, feed::parse_feed(result.body, {})),
            "HTML page, not a feed (text/html; charset=utf-8), and it links to no feed");

  // Mislabelled HTML is still recognised by its first tag.
  result.content_type = "application/octet-stream";
  result.body = "\n  <!doctype HTML><html><head><link rel=alternate type=application/rss+xml href=rss></head></html>";
  EXPECT_EQ(not_a_feed_error(result, feed::parse_feed(result.body, {})),
            "HTML page, not a feed; it links to feeds: https://site.example/blog/rss");

  result.content_type = "image/png";
  result.body = "\x89PNG";
  const auto png = feed::parse_feed(result.body, {});
  EXPECT_EQ(not_a_feed_error(result, png), "not a feed (image/png): " + png.bozo_message);
}

TEST(Mapping, FetchOutcomeKeepsTheBodyHashOnlyForAParsedFeed) {
  store::ClaimedSource source;
  source.url = "https://a.example/feed";
  source.etag = "\"e\"";
  source.body_hash = 42;
  source.pending_redirect = store::PendingRedirect{"https://b.example/feed", core::TimePoint{core::Duration{100}}};
  const auto request = fetch_request(source);
  EXPECT_EQ(request.etag, "\"e\"");
  EXPECT_EQ(request.previous_body_hash, 42u);
  source.error_count = 1;
  const auto after_failure = fetch_request(source);
  EXPECT_EQ(after_failure.etag, "") << "after a failed poll, the body is fetched and parsed in full";
  EXPECT_FALSE(after_failure.previous_body_hash.has_value());
  source.error_count = 0;
  const auto state = poll_state(source, 30min);
  EXPECT_EQ(state.interval, core::Duration{30min});
  ASSERT_TRUE(state.pending_redirect.has_value());
  EXPECT_EQ(state.pending_redirect->url, "https://b.example/feed");

  fetch::FetchResult result;
  result.status = 200;
  result.body_hash = 7;
  fetch::PollDecision decision;
  decision.action = fetch::PollAction::kParse;
  decision.redirect.pending = fetch::PendingRedirect{"https://b.example/feed", core::TimePoint{core::Duration{100}}};
  const feed::ParsedFeed parsed;
  auto outcome = fetch_outcome(result, decision, &parsed);
  EXPECT_TRUE(outcome.success);
  EXPECT_EQ(outcome.body_hash, 7u);
  EXPECT_EQ(outcome.pending_redirect, source.pending_redirect);
  EXPECT_FALSE(outcome.gone);

  decision.error = "HTML page, not a feed";
  outcome = fetch_outcome(result, decision, nullptr);
  EXPECT_FALSE(outcome.success);
  EXPECT_FALSE(outcome.body_hash.has_value()) << "an unparsable body must not pass as unchanged next time";

  result.status = 410;
  decision.action = fetch::PollAction::kDisable;
  EXPECT_TRUE(fetch_outcome(result, decision, nullptr).gone);
}

}  // namespace
}  // namespace fcd::service
