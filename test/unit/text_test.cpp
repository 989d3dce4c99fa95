#include "core/text.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

#include "test_support.hpp"

namespace {

using sora::core::is_blank;
using sora::core::utf8_length;
using sora::core::utf8_prefix_bytes;
using sora::test::repeat;

// --- utf8_prefix_bytes --------------------------------------------------------------------

TEST(Utf8PrefixBytes, TextThatFitsIsKept) {
  EXPECT_EQ(utf8_prefix_bytes("", 0), 0u);
  EXPECT_EQ(utf8_prefix_bytes("abc", 3), 3u);
  EXPECT_EQ(utf8_prefix_bytes("\xC3\xA9", 5), 2u);
}

TEST(Utf8PrefixBytes, NeverCutsACharacterInTwo) {
  EXPECT_EQ(utf8_prefix_bytes("abcdef", 4), 4u);
  const std::string e_acute = repeat("\xC3\xA9", 10);  // 20 bytes
  EXPECT_EQ(utf8_prefix_bytes(e_acute, 5), 4u);
  EXPECT_EQ(utf8_prefix_bytes(e_acute, 6), 6u);
  EXPECT_EQ(utf8_prefix_bytes("a\xE2\x82\xAC", 3), 1u);        // U+20AC: 3 bytes
  EXPECT_EQ(utf8_prefix_bytes("\xF0\x9F\x8E\xA5" "b", 3), 0u);    // U+1F3A5: 4 bytes
  EXPECT_EQ(utf8_prefix_bytes("\xF0\x9F\x8E\xA5" "b", 4), 4u);
  EXPECT_EQ(utf8_prefix_bytes("ab", 0), 0u);
}

// --- utf8_length -------------------------------------------------------------------------

TEST(Utf8Length, EmptyIsZero) { EXPECT_EQ(utf8_length(""), 0u); }

TEST(Utf8Length, AsciiCountsBytes) {
  EXPECT_EQ(utf8_length("a"), 1u);
  EXPECT_EQ(utf8_length("hello, world"), 12u);
  EXPECT_EQ(utf8_length(repeat("x", 4000)), 4000u);
}

TEST(Utf8Length, TwoByteSequences) {
  // U+00E9 é, U+00A0 no-break space
  EXPECT_EQ(std::string_view("\xC3\xA9").size(), 2u);
  EXPECT_EQ(utf8_length("\xC3\xA9"), 1u);
  EXPECT_EQ(utf8_length("\xC2\xA0"), 1u);
  EXPECT_EQ(utf8_length("caf\xC3\xA9"), 4u);
}

TEST(Utf8Length, ThreeByteSequences) {
  // U+1EC7 ệ, U+3000 ideographic space, U+20AC €
  EXPECT_EQ(std::string_view("\xE1\xBB\x87").size(), 3u);
  EXPECT_EQ(utf8_length("\xE1\xBB\x87"), 1u);
  EXPECT_EQ(utf8_length("\xE3\x80\x80"), 1u);
  EXPECT_EQ(utf8_length("\xE2\x82\xAC" "5"), 2u);
}

TEST(Utf8Length, FourByteSequences) {
  // U+1F600 😀
  EXPECT_EQ(std::string_view("\xF0\x9F\x98\x80").size(), 4u);
  EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80"), 1u);
  EXPECT_EQ(utf8_length(repeat("\xF0\x9F\x98\x80", 4000)), 4000u);
}

TEST(Utf8Length, MixedText) {
  // "a" + é + ệ + 😀 + "z": 1+2+3+4+1 = 11 bytes, 5 characters
  const std::string mixed = "a\xC3\xA9\xE1\xBB\x87\xF0\x9F\x98\x80z";
  EXPECT_EQ(mixed.size(), 11u);
  EXPECT_EQ(utf8_length(mixed), 5u);
  // "Tiếng Việt 😀": T i ế n g ␠ V i ệ t ␠ 😀 = 12 characters
  EXPECT_EQ(utf8_length("Ti\xE1\xBA\xBFng Vi\xE1\xBB\x87t \xF0\x9F\x98\x80"), 12u);
}

TEST(Utf8Length, EmbeddedNulIsACharacter) {
  EXPECT_EQ(utf8_length(std::string_view("a\0b", 3)), 3u);
}

// --- is_blank ----------------------------------------------------------------------------

TEST(IsBlank, EmptyIsBlank) { EXPECT_TRUE(is_blank("")); }

TEST(IsBlank, AsciiWhitespace) {
  EXPECT_TRUE(is_blank(" "));
  EXPECT_TRUE(is_blank("   "));
  EXPECT_TRUE(is_blank("\t"));
  EXPECT_TRUE(is_blank("\n"));
  EXPECT_TRUE(is_blank("\v"));
  EXPECT_TRUE(is_blank("\f"));
  EXPECT_TRUE(is_blank("\r"));
  EXPECT_TRUE(is_blank(" \t\n\v\f\r "));
}

// Every Unicode space in the set of text.cpp, alone and repeated.
struct UnicodeSpace {
  const char* name;
  const char* utf8;
};

// Stable, readable parameter text (the default prints raw pointer bytes).
void PrintTo(const UnicodeSpace& space, std::ostream* os) { *os << space.name; }

class IsBlankUnicode : public ::testing::TestWithParam<UnicodeSpace> {};

TEST_P(IsBlankUnicode, AloneAndRepeatedAndMixedWithAscii) {
  const std::string s = GetParam().utf8;
  EXPECT_TRUE(is_blank(s)) << GetParam().name;
  EXPECT_TRUE(is_blank(s + s + s)) << GetParam().name;
  EXPECT_TRUE(is_blank(" " + s + "\t")) << GetParam().name;
  EXPECT_FALSE(is_blank(s + "x" + s)) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    TextCpp, IsBlankUnicode,
    ::testing::Values(UnicodeSpace{"U0085_next_line", "\xC2\x85"},
                      UnicodeSpace{"U00A0_no_break_space", "\xC2\xA0"},
                      UnicodeSpace{"U1680_ogham_space", "\xE1\x9A\x80"},
                      UnicodeSpace{"U2000_en_quad", "\xE2\x80\x80"},
                      UnicodeSpace{"U2001_em_quad", "\xE2\x80\x81"},
                      UnicodeSpace{"U2002_en_space", "\xE2\x80\x82"},
                      UnicodeSpace{"U2003_em_space", "\xE2\x80\x83"},
                      UnicodeSpace{"U2004", "\xE2\x80\x84"},
                      UnicodeSpace{"U2005", "\xE2\x80\x85"},
                      UnicodeSpace{"U2006", "\xE2\x80\x86"},
                      UnicodeSpace{"U2007_figure_space", "\xE2\x80\x87"},
                      UnicodeSpace{"U2008", "\xE2\x80\x88"},
                      UnicodeSpace{"U2009_thin_space", "\xE2\x80\x89"},
                      UnicodeSpace{"U200A_hair_space", "\xE2\x80\x8A"},
                      UnicodeSpace{"U200B_zero_width_space", "\xE2\x80\x8B"},
                      UnicodeSpace{"U2028_line_separator", "\xE2\x80\xA8"},
                      UnicodeSpace{"U2029_paragraph_separator", "\xE2\x80\xA9"},
                      UnicodeSpace{"U202F_narrow_no_break_space", "\xE2\x80\xAF"},
                      UnicodeSpace{"U205F_math_space", "\xE2\x81\x9F"},
                      UnicodeSpace{"U3000_ideographic_space", "\xE3\x80\x80"},
                      UnicodeSpace{"UFEFF_bom", "\xEF\xBB\xBF"}),
    [](const ::testing::TestParamInfo<UnicodeSpace>& info) { return std::string(info.param.name); });

TEST(IsBlank, VisibleAsciiIsNotBlank) {
  EXPECT_FALSE(is_blank("a"));
  EXPECT_FALSE(is_blank("."));
  EXPECT_FALSE(is_blank("0"));
  EXPECT_FALSE(is_blank("  x  "));
  EXPECT_FALSE(is_blank("\t\n-"));
}

TEST(IsBlank, VisibleMultibyteIsNotBlank) {
  EXPECT_FALSE(is_blank("\xC3\xA9"));                 // é
  EXPECT_FALSE(is_blank("\xE1\xBB\x87"));             // ệ
  EXPECT_FALSE(is_blank("\xF0\x9F\x98\x80"));         // 😀
  EXPECT_FALSE(is_blank("\xE3\x80\x80\xE6\x97\xA5"));  // U+3000 then 日
}

TEST(IsBlank, ZeroWidthJoinerIsNotBlank) {
  EXPECT_FALSE(is_blank("\xE2\x80\x8D"));  // U+200D, just past the U+2000..U+200B range
  EXPECT_FALSE(is_blank(" \xE2\x80\x8D "));
}

TEST(IsBlank, NeighboursOfTheSpaceSetAreNotBlank) {
  EXPECT_FALSE(is_blank("\xE2\x80\x8C"));  // U+200C zero width non-joiner
  EXPECT_FALSE(is_blank("\xE2\x80\x8E"));  // U+200E left-to-right mark
  EXPECT_FALSE(is_blank("\xE1\xBF\xBF"));  // U+1FFF, just below U+2000
  EXPECT_FALSE(is_blank("\xC2\x84"));      // U+0084
  EXPECT_FALSE(is_blank("\xC2\xA1"));      // U+00A1 ¡
  EXPECT_FALSE(is_blank(std::string_view("\0", 1)));
}

}  // namespace
