#include "text/normalize.hpp"

#include <gtest/gtest.h>

namespace fcd::text {
namespace {

std::string folded(std::string_view utf8) {
  std::string out = "kept ";
  fold(utf8, out);
  EXPECT_EQ(out.substr(0, 5), "kept ");  // fold appends
  return out.substr(5);
}

TEST(Fold, LowersAscii) { EXPECT_EQ(folded("Putin MEETS Trump"), "putin meets trump"); }

TEST(Fold, CaseFoldsAndCompatibilityDecomposes) {
  EXPECT_EQ(folded("Straße"), "strasse");
  EXPECT_EQ(folded("ＡＢＣ１２３"), "abc123");  // full-width forms
  EXPECT_EQ(folded("ﬁnance"), "finance");    // ligature
  EXPECT_EQ(folded("ПУТИН"), "путин");
}

TEST(Fold, ComposesCombiningMarks) {
  // "e" + COMBINING ACUTE ACCENT and the precomposed "é" fold alike.
  EXPECT_EQ(folded("caf\x65\xCC\x81"), folded("café"));
}

TEST(Fold, ReplacesInvalidUtf8) { EXPECT_EQ(folded("a\xFF" "b"), "a\xEF\xBF\xBD" "b"); }

}  // namespace
}  // namespace fcd::text
