#include <gtest/gtest.h>

#include "feed/url.hpp"

namespace fcd::feed {
namespace {

TEST(ResolveUrl, Rfc3986Examples) {
  const char* base = "http://a/b/c/d;p?q";
  EXPECT_EQ(resolve_url(base, "g"), "http://a/b/c/g");
  EXPECT_EQ(resolve_url(base, "./g"), "http://a/b/c/g");
  EXPECT_EQ(resolve_url(base, "g/"), "http://a/b/c/g/");
  EXPECT_EQ(resolve_url(base, "/g"), "http://a/g");
  EXPECT_EQ(resolve_url(base, "//g"), "http://g");
  EXPECT_EQ(resolve_url(base, "?y"), "http://a/b/c/d;p?y");
  EXPECT_EQ(resolve_url(base, "#s"), "http://a/b/c/d;p?q#s");
  EXPECT_EQ(resolve_url(base, ""), "http://a/b/c/d;p?q");
  EXPECT_EQ(resolve_url(base, "."), "http://a/b/c/");
  EXPECT_EQ(resolve_url(base, ".."), "http://a/b/");
  EXPECT_EQ(resolve_url(base, "../g"), "http://a/b/g");
  EXPECT_EQ(resolve_url(base, "../../../g"), "http://a/g");
  EXPECT_EQ(resolve_url(base, "g;x=1/../y"), "http://a/b/c/y");
  EXPECT_EQ(resolve_url(base, "https://other/x"), "https://other/x");
  EXPECT_EQ(resolve_url("", "rel/x"), "rel/x");
}

TEST(CanonicalizeUrl, NormalisesAndStripsTracking) {
  EXPECT_EQ(canonicalize_url("HTTP://News.Example.COM:80/a/../b?utm_source=rss&id=7&fbclid=x&UTM_Medium=y#frag"),
            "http://news.example.com/b?id=7");
  EXPECT_EQ(canonicalize_url("https://example.com:443"), "https://example.com/");
  EXPECT_EQ(canonicalize_url("https://example.com:8443/x?b=2&a=1&gclid=z"), "https://example.com:8443/x?b=2&a=1");
  EXPECT_EQ(canonicalize_url("https://example.com/?mc_cid=1&mc_eid=2"), "https://example.com/");
  EXPECT_EQ(canonicalize_url("https://User@Example.com/Path"), "https://User@example.com/Path");
  EXPECT_EQ(canonicalize_url("http://[::1]:80/x"), "http://[::1]/x");
  EXPECT_FALSE(canonicalize_url("/relative/path").has_value());
  EXPECT_FALSE(canonicalize_url("mailto:a@b.c").has_value());
  EXPECT_FALSE(canonicalize_url("").has_value());
}

}  // namespace
}  // namespace fcd::feed
