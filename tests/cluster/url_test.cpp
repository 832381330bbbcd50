#include "cluster/url.hpp"

#include <gtest/gtest.h>

namespace fcd::cluster {
namespace {

TEST(CanonicalUrl, VariantsOfOnePageAgree) {
  const std::string base = canonical_url("https://example.com/world/alaska-summit");
  EXPECT_EQ(base, "https://example.com/world/alaska-summit");
  EXPECT_EQ(canonical_url("http://www.Example.COM/world/alaska-summit/"), base);
  EXPECT_EQ(canonical_url("https://m.example.com/world/alaska-summit?utm_source=rss&utm_medium=feed"), base);
  EXPECT_EQ(canonical_url("https://amp.example.com/world/alaska-summit/amp"), base);
  EXPECT_EQ(canonical_url("https://example.com/amp/world/alaska-summit#comments"), base);
  EXPECT_EQ(canonical_url("https://example.com/world/alaska-summit.amp?fbclid=abc"), base);
}

TEST(CanonicalUrl, KeepsMeaningfulQueryParametersInOrder) {
  EXPECT_EQ(canonical_url("https://example.com/story?id=42&mod=rss&page=2"), "https://example.com/story?id=42&page=2");
  EXPECT_EQ(canonical_url("https://example.com/story?page=2&id=42"), "https://example.com/story?id=42&page=2");
  EXPECT_NE(canonical_url("https://example.com/story?id=42"), canonical_url("https://example.com/story?id=43"));
}

TEST(CanonicalUrl, UnescapesTheUciQueryMark) {
  EXPECT_EQ(canonical_url("http://www.latimes.com/a,0,1312750.story\\?track=rss"),
            "https://latimes.com/a,0,1312750.story?track=rss");
}

TEST(CanonicalUrl, NothingToCompare) {
  EXPECT_EQ(canonical_url(""), "");
  EXPECT_EQ(canonical_url("not a url"), "");
  EXPECT_EQ(canonical_url("://host/path"), "");
}

TEST(CanonicalUrl, Idempotent) {
  const std::string once = canonical_url("http://www.example.com/a/amp/?utm_campaign=x&b=1");
  EXPECT_EQ(canonical_url(once), once);
}

TEST(UrlSlugWords, TheSegmentWithTheMostWords) {
  EXPECT_EQ(url_slug_words("http://www.billboard.com/articles/news/5930426/keith-richards-to-write-a-childrens-book"),
            "keith richards to write a childrens book");
  EXPECT_EQ(url_slug_words("http://www.vancouversun.com/entertainment/Rolling+Stones+guitarist/9605162/story.html"),
            "rolling stones guitarist");
}

TEST(UrlSlugWords, LeavesOutIdsAndPageWords) {
  EXPECT_EQ(url_slug_words("http://in.reuters.com/article/2014/03/11/disney-sweeney-idINDEEA2A0FD20140311"),
            "disney sweeney");
  EXPECT_EQ(url_slug_words("https://example.com/news/story-html-index-article"), "");
  EXPECT_EQ(url_slug_words("http://www.al.com/living/index.ssf/2014/03/we_affirm_life_caring.html"),
            "we affirm life caring");
}

TEST(UrlSlugWords, NoSlug) {
  EXPECT_EQ(url_slug_words(""), "");
  EXPECT_EQ(url_slug_words("http://www.globaltimes.cn/content/849045.shtml"), "");
  EXPECT_EQ(url_slug_words("http://www.cbs7kosa.com/news/details.asp\\?ID=55755"), "");
  EXPECT_EQ(url_slug_words("https://example.com/a-b?q=one-two-three-four"), "");
}

}  // namespace
}  // namespace fcd::cluster
