#include "text/normalize.hpp"

#include <gtest/gtest.h>

namespace fcd::text {
namespace {

TEST(Fold, LowersAscii) { EXPECT_EQ(fold("Putin MEETS Trump"), "putin meets trump"); }

TEST(Fold, CaseFoldsAndCompatibilityDecomposes) {
  EXPECT_EQ(fold("Straße"), "strasse");
  EXPECT_EQ(fold("ＡＢＣ１２３"), "abc123");  // full-width forms
  EXPECT_EQ(fold("ﬁnance"), "finance");    // ligature
  EXPECT_EQ(fold("ПУТИН"), "путин");
}

TEST(Fold, ComposesCombiningMarks) {
  // "e" + COMBINING ACUTE ACCENT and the precomposed "é" fold alike.
  EXPECT_EQ(fold("caf\x65\xCC\x81"), fold("café"));
}

TEST(Fold, ReplacesInvalidUtf8) { EXPECT_EQ(fold("a\xFF" "b"), "a\xEF\xBF\xBD" "b"); }

}  // namespace
}  // namespace fcd::text
