#include "url/url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fcd::url {
namespace {

TEST(Resolve, Rfc3986Examples) {
  const char* base = "http://a/b/c/d;p?q";
  EXPECT_EQ(resolve(base, "g"), "http://a/b/c/g");
  EXPECT_EQ(resolve(base, "./g"), "http://a/b/c/g");
  EXPECT_EQ(resolve(base, "g/"), "http://a/b/c/g/");
  EXPECT_EQ(resolve(base, "/g"), "http://a/g");
  EXPECT_EQ(resolve(base, "//g"), "http://g");
  EXPECT_EQ(resolve(base, "?y"), "http://a/b/c/d;p?y");
  EXPECT_EQ(resolve(base, "#s"), "http://a/b/c/d;p?q#s");
  EXPECT_EQ(resolve(base, ""), "http://a/b/c/d;p?q");
  EXPECT_EQ(resolve(base, "."), "http://a/b/c/");
  EXPECT_EQ(resolve(base, ".."), "http://a/b/");
  EXPECT_EQ(resolve(base, "../g"), "http://a/b/g");
  EXPECT_EQ(resolve(base, "../../../g"), "http://a/g");
  EXPECT_EQ(resolve(base, "g;x=1/../y"), "http://a/b/c/y");
  EXPECT_EQ(resolve(base, "https://other/x"), "https://other/x");
  EXPECT_EQ(resolve("", "rel/x"), "rel/x");
}

TEST(Canonicalize, NormalisesAndStripsTracking) {
  EXPECT_EQ(canonicalize("HTTP://News.Example.COM:80/a/../b?utm_source=rss&id=7&fbclid=x&UTM_Medium=y#frag"),
            "http://news.example.com/b?id=7");
  EXPECT_EQ(canonicalize("https://example.com:443"), "https://example.com/");
  EXPECT_EQ(canonicalize("https://example.com:8443/x?b=2&a=1&gclid=z"), "https://example.com:8443/x?b=2&a=1");
  EXPECT_EQ(canonicalize("https://example.com/?mc_cid=1&mc_eid=2"), "https://example.com/");
  EXPECT_EQ(canonicalize("https://User@Example.com/Path"), "https://User@example.com/Path");
  EXPECT_EQ(canonicalize("http://[::1]:80/x"), "http://[::1]/x");
  EXPECT_FALSE(canonicalize("/relative/path").has_value());
  EXPECT_FALSE(canonicalize("mailto:a@b.c").has_value());
  EXPECT_FALSE(canonicalize("").has_value());
}

TEST(Canonicalize, OneTrackingListForEveryCaller) {
  // The parameters the cluster engine's own list used to drop, now dropped for
  // every caller; the others stay in their order.
  EXPECT_EQ(canonicalize("https://example.com/story?id=42&mod=rss&ns_campaign=x&page=2&ref=home&smid=tw"),
            "https://example.com/story?id=42&page=2");
  EXPECT_EQ(canonicalize("https://example.com/story?page=2&id=42"), "https://example.com/story?page=2&id=42");
  EXPECT_EQ(canonicalize("https://example.com/a?amp&outputType=amp&Fbclid=1&cmpid=2&ocid=3&taid=4"),
            "https://example.com/a");
  EXPECT_NE(canonicalize("https://example.com/story?id=42"), canonicalize("https://example.com/story?id=43"));
  EXPECT_TRUE(is_tracking_parameter("UTM_Content"));
  EXPECT_TRUE(is_tracking_parameter("ns_mchannel"));
  EXPECT_FALSE(is_tracking_parameter("utm_"));
  EXPECT_FALSE(is_tracking_parameter("id"));
  EXPECT_FALSE(is_tracking_parameter("reference"));
}

TEST(Canonicalize, StaysAnAddress) {
  // A host, scheme or path the article may not be served at is not guessed.
  EXPECT_EQ(canonicalize("http://www.Example.COM/world/alaska-summit/"), "http://www.example.com/world/alaska-summit/");
  EXPECT_EQ(canonicalize("https://m.example.com/world/alaska-summit/amp#comments"),
            "https://m.example.com/world/alaska-summit/amp");
  EXPECT_EQ(canonicalize("https://example.com./a%20b c"), "https://example.com/a%20b%20c");
}

TEST(Canonicalize, NothingToKey) {
  EXPECT_FALSE(canonicalize("not a url").has_value());
  EXPECT_FALSE(canonicalize("://host/path").has_value());
  EXPECT_FALSE(canonicalize("http:///path").has_value());
  EXPECT_FALSE(canonicalize("http://user@/path").has_value());
}

TEST(Canonicalize, Idempotent) {
  for (const char* text : {"http://www.example.com/a/amp/?utm_campaign=x&b=1", "HTTPS://A.example:443/./b/../c?x#y",
                           "http://example.com/a b?ref=x&q=\x01"}) {
    const auto once = canonicalize(text);
    ASSERT_TRUE(once.has_value()) << text;
    EXPECT_EQ(canonicalize(*once), once) << text;
  }
}

TEST(Safe, Policy) {
  EXPECT_EQ(safe("https://example.com/a b"), "https://example.com/a%20b");
  EXPECT_EQ(safe("  http://example.com/\r\nx\t "), "http://example.com/x");
  EXPECT_EQ(safe("HTTPS://example.com/"), "HTTPS://example.com/");
  // A line break between the two bytes of a C1 character: encoded once, so the policy is idempotent.
  EXPECT_EQ(safe("https://example.com/a\xC2\n\x9B"), "https://example.com/a%C2%9B");
  EXPECT_EQ(safe("http://example.com/\x1b[31m\x7f"), "http://example.com/%1B[31m%7F");
  EXPECT_EQ(safe("http://example.com/\xc2\x9b"), "http://example.com/%C2%9B");
  EXPECT_EQ(safe("http://example.com/caf\xc3\xa9"), "http://example.com/caf\xc3\xa9");
  EXPECT_EQ(safe("/relative/path?q=1"), "/relative/path?q=1");
  EXPECT_FALSE(safe("javascript:alert(1)"));
  EXPECT_FALSE(safe(" JavaScript:alert(1)"));
  EXPECT_FALSE(safe("java\tscript:alert(1)"));
  EXPECT_FALSE(safe("java\nscript:alert(1)"));
  EXPECT_FALSE(safe("\x01javascript:alert(1)"));
  EXPECT_FALSE(safe("java script:alert(1)"));
  EXPECT_FALSE(safe("data:text/html,x"));
  EXPECT_FALSE(safe("file:///etc/passwd"));
  EXPECT_FALSE(safe("http:relative"));
  EXPECT_FALSE(safe("http:///path"));
  for (std::string url : {"https://example.com/ok", "http://example.com/a b", "javascript:x", "HTTP://example.com/",
                          "http:///x", "http://example.com/\xc2\x9b", "/relative"}) {
    std::string in_place = url;
    make_safe(in_place);
    EXPECT_EQ(in_place, safe(url).value_or("")) << url;
  }
}

TEST(SlugWords, TheSegmentWithTheMostWords) {
  EXPECT_EQ(slug_words("http://www.billboard.com/articles/news/5930426/keith-richards-to-write-a-childrens-book"),
            "keith richards to write a childrens book");
  EXPECT_EQ(slug_words("http://www.vancouversun.com/entertainment/Rolling+Stones+guitarist/9605162/story.html"),
            "rolling stones guitarist");
}

TEST(SlugWords, LeavesOutIdsAndPageWords) {
  EXPECT_EQ(slug_words("http://in.reuters.com/article/2014/03/11/disney-sweeney-idINDEEA2A0FD20140311"),
            "disney sweeney");
  EXPECT_EQ(slug_words("https://example.com/news/story-html-index-article"), "");
  EXPECT_EQ(slug_words("http://www.al.com/living/index.ssf/2014/03/we_affirm_life_caring.html"),
            "we affirm life caring");
}

TEST(SlugWords, NoSlug) {
  EXPECT_EQ(slug_words(""), "");
  EXPECT_EQ(slug_words("http://www.globaltimes.cn/content/849045.shtml"), "");
  EXPECT_EQ(slug_words("http://www.cbs7kosa.com/news/details.asp\\?ID=55755"), "");
  EXPECT_EQ(slug_words("https://example.com/a-b?q=one-two-three-four"), "");
}

}  // namespace
}  // namespace fcd::url
