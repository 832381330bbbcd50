#include <gtest/gtest.h>

#include "feed/discovery.hpp"
#include "feed/html.hpp"
#include "test_util.hpp"

namespace fcd::feed {
namespace {

TEST(HtmlToText, StripsTagsDecodesAndFolds) {
  EXPECT_EQ(html_to_text("  <p>Hello&nbsp;<b>wor</b>ld &amp; co&#8217;s</p>\n<p>next</p> "),
            "Hello\u00a0world & co\u2019s next");
  EXPECT_EQ(html_to_text("a<script>var x = '<p>';</script>b<style>p{}</style>c"), "a b c");
  EXPECT_EQ(html_to_text("1 < 2 &unknown; &#146; AT&T"), "1 < 2 &unknown; \u2019 AT&T");
  EXPECT_EQ(html_to_text("line<br>break<!-- gone -->"), "line break");
  EXPECT_EQ(html_to_text("<a href=\"x>y\">link</a>"), "link");
  EXPECT_EQ(html_to_text("unterminated <b"), "unterminated");
}

TEST(HtmlToText, BlockAndRawTextElementsAndLongRuns) {
  EXPECT_EQ(html_to_text("<h3>a</h3><li>b</li><blockquote>c</blockquote><noscript>d</noscript><textarea>e</textarea>"
                         "<figcaption>f</figcaption>g<span>h</span><svg><text>i</text></svg><h7>j</h7>k"),
            "a b c f ghijk");
  // Inline SVG and MathML text is text a reader sees; their scripts and styles are not.
  EXPECT_EQ(html_to_text("<math><mi>x</mi><mo>+</mo><mn>1</mn></math> and <svg><script>s</script><style>t</style>"
                         "<title>u</title></svg>"),
            "x+1 and u");
  // Sixteen-byte blocks with markup, control characters and doubled spaces at every offset.
  const std::string words = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (std::size_t at = 0; at < 40; ++at) {
    std::string html = words + words;
    html.insert(at, "  \t<b>&amp;</b>\n ");
    std::string expected = words + words;
    expected.insert(at, " & ");
    if (at == 0) expected.erase(0, 1);
    EXPECT_EQ(html_to_text(html), expected) << at;
  }
}

TEST(HtmlToText, EveryBlockElementSeparatesWords) {
  for (const std::string_view block :
       {"address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure", "footer", "h1",
        "h6", "header", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "th", "thead", "tr",
        "ul"}) {
    const std::string open = "<" + std::string(block) + ">", close = "</" + std::string(block) + ">";
    EXPECT_EQ(html_to_text(open + "one" + close + open + "two" + close), "one two") << block;
  }
}

TEST(SanitizeHtml, KeepsAllowListOnly) {
  EXPECT_EQ(sanitize_html("<p onclick=\"x()\" class=\"c\">Hi <b>there</b></p>"), "<p>Hi <b>there</b></p>");
  EXPECT_EQ(sanitize_html("<script>alert(1)</script><style>b{}</style>ok"), "ok");
  EXPECT_EQ(sanitize_html("<a href=\"javascript:alert(1)\">x</a>"), "<a>x</a>");
  EXPECT_EQ(sanitize_html("<a href=\"java\tscript:alert(1)\">x</a>"), "<a>x</a>");
  EXPECT_EQ(sanitize_html("<a href=\"/rel\">x</a>", "https://e.example/dir/"), "<a href=\"https://e.example/rel\">x</a>");
  EXPECT_EQ(sanitize_html("<img src=\"data:image/png;base64,xx\" alt=\"a\">"), "<img alt=\"a\">");
  EXPECT_EQ(sanitize_html("<div><b>unclosed"), "<div><b>unclosed</b></div>");
  EXPECT_EQ(sanitize_html("<b><i>x</b>y"), "<b><i>x</i></b>y");
  EXPECT_EQ(sanitize_html("a < b &amp; c"), "a &lt; b &amp; c");
  EXPECT_EQ(sanitize_html("<iframe src=\"https://evil\">fallback</iframe>after"), "after");
}

TEST(SanitizeHtml, KeepsTheSafeSvgAndMathMlSubset) {
  EXPECT_EQ(sanitize_html("<svg viewbox=\"0 0 9 9\" onload=\"x()\"><script>alert(1)</script>"
                          "<circle cx=\"4\" r=\"3\" fill=\"url(#g)\"/><text>Hi</text></svg>"),
            "<svg viewBox=\"0 0 9 9\"><circle cx=\"4\" r=\"3\" fill=\"url(#g)\"></circle><text>Hi</text></svg>");
  // Paint from outside the document, animation and foreign HTML are dropped.
  EXPECT_EQ(sanitize_html("<svg><rect fill=\"url(javascript:x)\" width=\"2\"/>"
                          "<animate attributename=\"href\" to=\"javascript:x\"/><foreignobject><b>b</b></foreignobject></svg>"),
            "<svg><rect width=\"2\"></rect>b</svg>");
  EXPECT_EQ(sanitize_html("<math display=\"block\" onclick=\"x\"><msup><mi>x</mi><mn>2</mn></msup></math><p>after</p>"),
            "<math display=\"block\"><msup><mi>x</mi><mn>2</mn></msup></math><p>after</p>");
  // SVG element names mean nothing outside <svg>.
  EXPECT_EQ(sanitize_html("<circle r=\"1\">c</circle>"), "c");
}

TEST(FindFeedLinks, FindsAlternateFeedLinks) {
  const auto links = find_feed_links(test::fixture("page.html"), "https://site.example/blog/");
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[0].url, "https://site.example/feed.xml");
  EXPECT_EQ(links[0].type, "application/rss+xml");
  EXPECT_EQ(links[0].title, "RSS");
  EXPECT_EQ(links[1].url, "https://other.example/atom");
  EXPECT_EQ(links[2].url, "https://site.example/blog/feed.json");
  EXPECT_TRUE(find_feed_links("<p>no links</p>").empty());
}

}  // namespace
}  // namespace fcd::feed
