#include "fetch/url.hpp"

#include <gtest/gtest.h>

namespace fcd::fetch {
namespace {

TEST(SplitUrl, LowerCasesSchemeAndHost) {
  const auto parts = split_url("HTTPS://News.Example.ORG:8443/Feed?x=1");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->scheme, "https");
  EXPECT_EQ(parts->host, "news.example.org");
}

TEST(SplitUrl, AcceptsOtherSchemesSoTheyCanBeRefusedByName) {
  EXPECT_EQ(split_url("gopher://127.0.0.1:70/")->scheme, "gopher");
  const auto file = split_url("file:///etc/passwd");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->scheme, "file");
  EXPECT_EQ(file->host, "");
}

TEST(SplitUrl, RejectsGarbage) {
  EXPECT_FALSE(split_url(""));
  EXPECT_FALSE(split_url("not a url"));
  EXPECT_FALSE(split_url("http://exa mple.org/"));
}

}  // namespace
}  // namespace fcd::fetch
