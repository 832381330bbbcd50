// The article side of the public views: content and media, the article change
// cursor with tombstones, publication spans, originals by publication time,
// and search stemmed by the article's language.
#include <gtest/gtest.h>

#include "test_database.hpp"

namespace fcd::store::test {
namespace {

const core::TimePoint kT0{core::Duration{1'750'000'000}};

class ArticleViewsTest : public TwoSourcesTest {
 protected:
  static ArticleInput item(const std::string& guid, const std::string& title,
                           std::optional<core::TimePoint> published = std::nullopt) {
    ArticleInput a;
    a.guid = guid;
    a.title = title;
    a.url = "https://x.example/" + guid;
    a.published_at = published;
    return a;
  }
  std::string id(const std::string& guid) const { return std::to_string(article(guid)); }
  std::int64_t cursor(const std::string& guid) {
    return std::stoll(db_->scalar("SELECT change_seq FROM article_search WHERE guid = '" + guid + "'"));
  }
  // Places the guids in one new story; returns its id.
  core::StoryId place(const std::vector<std::string>& guids, std::optional<std::string> duplicate_root = {}) {
    ClusterBatch batch;
    batch.stories.push_back({1, std::nullopt, "Story", std::nullopt});
    for (const auto& p : store_->pending_articles(0, 100)) {
      bool wanted = false;
      for (const auto& g : guids) wanted = wanted || std::to_string(p.id) == id(g);
      if (!wanted) continue;
      MembershipWrite m;
      m.article_id = p.id;
      m.change_seq = p.change_seq;
      m.story_key = 1;
      if (duplicate_root && std::to_string(p.id) != id(*duplicate_root)) m.duplicate_of = std::stoll(id(*duplicate_root));
      batch.memberships.push_back(m);
    }
    return store_->write_cluster_batch(batch, kT0 + core::Duration{3600}).story_ids.at(0).second;
  }
};

TEST_F(ArticleViewsTest, ArticlesCarryTheirContentMediaAuthorAndLanguage) {
  auto a = item("g1", "Pod");
  a.content = "Plain text.";
  a.content_html = "<p>Plain <b>text</b>.</p>";
  a.author = "Ann";
  a.language = "en-GB";
  a.image = "https://x.example/g1.jpg";
  a.enclosures = {{"https://x.example/g1.mp3", "audio/mpeg", 1234}, {"https://x.example/g1.ogg", "", std::nullopt}};
  poll_items("https://a.example/feed", {a}, kT0);
  EXPECT_EQ(db_->scalar("SELECT concat_ws('|', content, content_html, author, language, image, enclosures::text)"
                        " FROM article_search"),
            "Plain text.|<p>Plain <b>text</b>.</p>|Ann|en-GB|https://x.example/g1.jpg|"
            "[{\"url\": \"https://x.example/g1.mp3\", \"type\": \"audio/mpeg\", \"length\": 1234},"
            " {\"url\": \"https://x.example/g1.ogg\", \"type\": \"\", \"length\": null}]");

  // A new enclosure alone is an edit: stored, and the cursor moves.
  const auto before = cursor("g1");
  a.enclosures.pop_back();
  poll_items("https://a.example/feed", {a}, kT0 + core::Duration{60});
  EXPECT_EQ(db_->scalar("SELECT jsonb_array_length(enclosures) FROM article_search"), "1");
  EXPECT_GT(cursor("g1"), before);
}

TEST_F(ArticleViewsTest, TheChangeCursorCoversEditsPlacementsAndDeletions) {
  poll_items("https://a.example/feed", {item("a1", "One"), item("a2", "Two")}, kT0);
  poll_items("https://b.example/feed", {item("b1", "Copy of one")}, kT0);
  const auto start = std::to_string(std::stoll(db_->scalar("SELECT max(change_seq) FROM article_changes")));
  const auto since = [&](const std::string& from) {
    return db_->scalar(
        "SELECT string_agg(a.guid || ':' || c.deleted, ',' ORDER BY c.change_seq) FROM article_changes c"
        " LEFT JOIN articles a ON a.id = c.article_id WHERE c.change_seq > " + from);
  };
  EXPECT_EQ(since("0"), "a1:false,a2:false,b1:false");

  // An unchanged poll moves nothing; an edit moves its article.
  poll_items("https://a.example/feed", {item("a1", "One"), item("a2", "Two")}, kT0 + core::Duration{60});
  EXPECT_EQ(since(start), "");
  poll_items("https://a.example/feed", {item("a1", "One"), item("a2", "Two, edited")}, kT0 + core::Duration{120});
  EXPECT_EQ(since(start), "a2:false");

  // Placing them is a change the views show.
  const auto mark = db_->scalar("SELECT max(change_seq) FROM article_changes");
  place({"a1", "a2", "b1"}, "a1");
  EXPECT_EQ(db_->scalar("SELECT string_agg(guid, ',' ORDER BY guid) FROM article_search WHERE change_seq > " + mark),
            "a1,a2,b1");

  // Removing source a: its articles leave tombstones, and b1, a copy of a1,
  // loses duplicate_of with a new cursor.
  const auto before_removal = db_->scalar("SELECT max(change_seq) FROM article_changes");
  const auto a1 = id("a1"), a2 = id("a2");
  store_->remove_source("https://a.example/feed");
  EXPECT_EQ(db_->scalar("SELECT string_agg(article_id || ':' || deleted || ':' || coalesce(cause, '-'), ','"
                        " ORDER BY change_seq) FROM article_changes WHERE change_seq > " + before_removal),
            id("b1") + ":false:-," + a1 + ":true:source_removed," + a2 + ":true:source_removed");
  EXPECT_EQ(db_->scalar("SELECT duplicate_of IS NULL FROM article_search WHERE guid = 'b1'"), "t");
}

TEST_F(ArticleViewsTest, StoriesHaveAPublishedSpanThatIgnoresTheFuture) {
  poll_items("https://a.example/feed",
       {item("early", "Early", kT0 - core::Duration{7200}), item("late", "Late", kT0 - core::Duration{600}),
        item("future", "Future", kT0 + core::Duration{86400}), item("undated", "Undated")},
       kT0);
  const auto story = std::to_string(place({"early", "late", "future", "undated"}));
  EXPECT_EQ(db_->scalar("SELECT extract(epoch FROM published_first)::bigint || '/' ||"
                        " extract(epoch FROM published_last)::bigint FROM latest_stories WHERE story_id = " + story),
            std::to_string((kT0 - core::Duration{7200}).time_since_epoch().count()) + "/" +
                std::to_string((kT0 - core::Duration{600}).time_since_epoch().count()));
}

// The original is the earliest published (first seen breaks ties); a
// publication time in the future or long before first seen does not count.
TEST_F(ArticleViewsTest, TheOriginalIsTheEarliestPublished) {
  poll_items("https://a.example/feed", {item("first-seen", "Quake", kT0 - core::Duration{60})}, kT0);
  poll_items("https://b.example/feed",
       {item("published-before", "Quake!", kT0 - core::Duration{64}),
        item("claims-1970", "Quake?", core::TimePoint{core::Duration{0}}),
        item("claims-tomorrow", "Quake.", kT0 + core::Duration{86400})},
       kT0 + core::Duration{30});
  const auto story = std::to_string(place({"first-seen", "published-before", "claims-1970", "claims-tomorrow"},
                                          std::string{"first-seen"}));
  EXPECT_EQ(db_->scalar("SELECT string_agg(title, ',') FROM story_coverage WHERE story_id = " + story +
                        " AND is_original"),
            "Quake!");
  EXPECT_EQ(db_->scalar("SELECT count(DISTINCT original_article_id) || ':' || min(original_article_id)"
                        " FROM story_coverage WHERE story_id = " + story),
            "1:" + id("published-before"))
      << "the copies' original is the earliest published of the copy group, not the clusterer's first";
}

TEST_F(ArticleViewsTest, SearchStemsByTheArticlesLanguage) {
  auto english = item("en", "Bananas are cheaper this week");
  english.language = "en-US";
  auto german = item("de", "Die Häuser am Fluss");
  german.language = "de";
  auto unknown = item("xx", "Bananas in an unknown language");
  poll_items("https://a.example/feed", {english, german, unknown}, kT0);
  const auto found = [&](const std::string& query, const std::string& language) {
    return db_->scalar("SELECT string_agg(guid, ',' ORDER BY guid) FROM article_search"
                       " WHERE search @@ feedclusterd_search_query('" + query + "'" +
                       (language.empty() ? "" : ", '" + language + "'") + ")");
  };
  EXPECT_EQ(found("banana", ""), "en");
  EXPECT_EQ(found("bananas", ""), "en,xx");
  EXPECT_EQ(found("banana", "en"), "en");
  EXPECT_EQ(found("haus", "de"), "de");
  EXPECT_EQ(found("weeks", "en"), "en");
}

TEST_F(ArticleViewsTest, SearchPagesNewestMatchesFirstWithTheRankOfEachRow) {
  // sql/README.md's search: newest first by (sort_at, article_id), keyset pages.
  const auto english = [](const std::string& guid, const std::string& title, int seconds_before) {
    auto a = item(guid, title, kT0 - core::Duration{seconds_before});
    a.language = "en";
    return a;
  };
  poll_items("https://a.example/feed",
       {english("old", "Earthquakes shake the city", 3000), english("mid", "Earthquake in the city", 2000),
        english("tie", "Another earthquake in the city", 2000), english("new", "City counts earthquake damage", 1000),
        english("other", "Election day in the city", 500)},
       kT0);
  const auto page = [&](const std::string& after) {
    return db_->scalar(
        "SELECT string_agg(guid || ':' || (rank > 0), ',' ORDER BY sort_at DESC, article_id DESC) FROM ("
        " SELECT guid, sort_at, article_id,"
        "  ts_rank(search, feedclusterd_search_query('earthquakes city', 'en')) AS rank"
        " FROM article_search WHERE search @@ feedclusterd_search_query('earthquakes city', 'en')"
        "  AND (sort_at, article_id) < " + after + " ORDER BY sort_at DESC, article_id DESC LIMIT 2) p");
  };
  const auto after = [&](const std::string& guid) {
    return "(SELECT sort_at, article_id FROM article_search WHERE guid = '" + guid + "')";
  };
  const bool tie_first = std::stoll(id("tie")) > std::stoll(id("mid"));
  EXPECT_EQ(page("('infinity'::timestamptz, 0)"), tie_first ? "new:true,tie:true" : "new:true,mid:true");
  EXPECT_EQ(page(after(tie_first ? "tie" : "mid")), tie_first ? "mid:true,old:true" : "tie:true,old:true");
  EXPECT_EQ(page(after("old")), "");
}

TEST_F(ArticleViewsTest, SearchQueryNamesEachAlternativeOnce) {
  // Nine stemmers leave an unknown word as it is: one alternative, not nine
  // (the planner multiplied its estimate by the repeats).
  EXPECT_EQ(db_->scalar("SELECT feedclusterd_search_query('zyxwv')::text"), "'zyxwv'");
  EXPECT_EQ(db_->scalar("SELECT feedclusterd_search_query('zyxwv', 'en')::text"), "'zyxwv'");
  EXPECT_EQ(db_->scalar("SELECT feedclusterd_search_query('bananas', 'en')::text"), "'banana' | 'bananas'");
  EXPECT_EQ(db_->scalar("SELECT numnode(feedclusterd_search_query('!!!'))"), "0");
}

}  // namespace
}  // namespace fcd::store::test
