#include "core/validation.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/text.hpp"
#include "test_support.hpp"

namespace {

using sora::core::GrantKind;
using sora::core::GrantRequest;
using sora::core::kind_name;
using sora::core::OptionalText;
using sora::core::refund_reason;
using sora::core::require_video_id;
using sora::core::utf8_length;
using sora::core::validate;
using sora::core::validate_claim_limit;
using sora::core::validate_video_url;
using sora::core::VideoRequest;
using sora::test::is_valid_utf8;
using sora::test::repeat;

const char kA3[] = "\xE1\xBB\x87";       // ệ U+1EC7, 3 bytes
const char kE4[] = "\xF0\x9F\x98\x80";   // 😀 U+1F600, 4 bytes
const char kE2[] = "\xC3\xA9";           // é U+00E9, 2 bytes
const char kIdeoSpace[] = "\xE3\x80\x80";  // U+3000
const char kNbsp[] = "\xC2\xA0";           // U+00A0

// A request that passes; each test changes one field.
VideoRequest good_video() {
  VideoRequest r;
  r.prompt = "A cat surfing a wave at sunset";
  r.duration_seconds = 5;
  r.resolution = "720p";
  r.model = "sora-2";
  r.idempotency_key = std::nullopt;
  return r;
}

GrantRequest good_grant() {
  GrantRequest g;
  g.has_user_id = true;
  g.amount = 100;
  g.kind = "purchase";
  g.reference = std::nullopt;
  g.description = std::nullopt;
  return g;
}

// --- limits are the contract's -------------------------------------------------------------

TEST(Limits, MatchTheContract) {
  namespace limits = sora::core::limits;
  EXPECT_EQ(limits::kPromptMaxChars, 4000u);
  EXPECT_EQ(limits::kDurationMin, 1);
  EXPECT_EQ(limits::kDurationMax, 60);
  EXPECT_EQ(limits::kNameMaxChars, 64u);
  EXPECT_EQ(limits::kKeyMaxChars, 255u);
  EXPECT_EQ(limits::kUrlMaxChars, 2048u);
  EXPECT_EQ(limits::kDescriptionMaxChars, 1000u);
  EXPECT_EQ(limits::kClaimMax, 100);
}

// --- VideoRequest: prompt -------------------------------------------------------------------

TEST(VideoRequestPrompt, GoodRequestPasses) { EXPECT_NO_THROW(validate(good_video())); }

TEST(VideoRequestPrompt, NullIsRefused) {
  VideoRequest r = good_video();
  r.prompt = std::nullopt;
  EXPECT_CORE_ERROR(validate(r), "22023", "p_prompt is required.");
}

TEST(VideoRequestPrompt, BlankIsRefused) {
  const std::string ideo = repeat(kIdeoSpace, 3);
  const std::string nbsp = repeat(kNbsp, 3);
  const std::string mixed = std::string(" ") + kIdeoSpace + "\t" + kNbsp + "\n";
  for (const std::string& blank :
       {std::string(""), std::string("   "), std::string("\t\n"), std::string(kIdeoSpace), ideo,
        std::string(kNbsp), nbsp, mixed}) {
    VideoRequest r = good_video();
    r.prompt = blank;
    EXPECT_CORE_ERROR(validate(r), "22023", "p_prompt must not be empty.");
  }
}

TEST(VideoRequestPrompt, SurroundingWhitespaceIsAllowed) {
  const std::string padded = std::string(kIdeoSpace) + " x \n";
  VideoRequest r = good_video();
  r.prompt = padded;
  EXPECT_NO_THROW(validate(r));
}

TEST(VideoRequestPrompt, SingleCharacterPasses) {
  VideoRequest r = good_video();
  r.prompt = "x";
  EXPECT_NO_THROW(validate(r));
}

TEST(VideoRequestPrompt, Ascii4000PassesAnd4001IsRefused) {
  const std::string ok = repeat("a", 4000);
  const std::string too_long = repeat("a", 4001);
  VideoRequest r = good_video();
  r.prompt = ok;
  EXPECT_NO_THROW(validate(r));
  r.prompt = too_long;
  EXPECT_CORE_ERROR(validate(r), "22023", "p_prompt must be at most 4000 characters.");
}

TEST(VideoRequestPrompt, ThreeByteCharactersCountAsCharacters) {
  const std::string ok = repeat(kA3, 4000);
  ASSERT_EQ(ok.size(), 12000u);
  VideoRequest r = good_video();
  r.prompt = ok;
  EXPECT_NO_THROW(validate(r));
  const std::string too_long = repeat(kA3, 4001);
  r.prompt = too_long;
  EXPECT_CORE_ERROR(validate(r), "22023", "p_prompt must be at most 4000 characters.");
}

TEST(VideoRequestPrompt, FourByteCharactersCountAsCharacters) {
  const std::string ok = repeat(kE4, 4000);
  ASSERT_EQ(ok.size(), 16000u);
  VideoRequest r = good_video();
  r.prompt = ok;
  EXPECT_NO_THROW(validate(r));
  const std::string too_long = repeat(kE4, 4001);
  r.prompt = too_long;
  EXPECT_CORE_ERROR(validate(r), "22023", "p_prompt must be at most 4000 characters.");
}

TEST(VideoRequestPrompt, MixedWidthAtTheLimit) {
  // 1000 each of 1-, 2-, 3- and 4-byte characters: 4000 characters, 10000 bytes.
  const std::string ok = repeat("a", 1000) + repeat(kE2, 1000) + repeat(kA3, 1000) + repeat(kE4, 1000);
  ASSERT_EQ(ok.size(), 10000u);
  VideoRequest r = good_video();
  r.prompt = ok;
  EXPECT_NO_THROW(validate(r));
  const std::string too_long = ok + "b";
  r.prompt = too_long;
  EXPECT_CORE_ERROR(validate(r), "22023", "p_prompt must be at most 4000 characters.");
}

// --- VideoRequest: duration -----------------------------------------------------------------

TEST(VideoRequestDuration, InsideRangePasses) {
  for (std::int32_t d : {1, 5, 30, 60}) {
    VideoRequest r = good_video();
    r.duration_seconds = d;
    EXPECT_NO_THROW(validate(r)) << d;
  }
}

TEST(VideoRequestDuration, OutsideRangeIsRefused) {
  for (std::int32_t d : {0, 61, -1, std::numeric_limits<std::int32_t>::min(),
                         std::numeric_limits<std::int32_t>::max()}) {
    VideoRequest r = good_video();
    r.duration_seconds = d;
    EXPECT_CORE_ERROR(validate(r), "22023", "p_duration_seconds must be between 1 and 60 seconds.");
  }
}

TEST(VideoRequestDuration, NullIsRefused) {
  VideoRequest r = good_video();
  r.duration_seconds = std::nullopt;
  EXPECT_CORE_ERROR(validate(r), "22023", "p_duration_seconds is required.");
}

// --- VideoRequest: resolution and model -----------------------------------------------------

TEST(VideoRequestNames, ResolutionMissingBlankOrTooLong) {
  VideoRequest r = good_video();
  r.resolution = std::nullopt;
  EXPECT_CORE_ERROR(validate(r), "22023", "p_resolution is required.");
  r.resolution = "";
  EXPECT_CORE_ERROR(validate(r), "22023", "p_resolution must not be empty.");
  r.resolution = " \t";
  EXPECT_CORE_ERROR(validate(r), "22023", "p_resolution must not be empty.");
  const std::string long65 = repeat("r", 65);
  r.resolution = long65;
  EXPECT_CORE_ERROR(validate(r), "22023", "p_resolution must be at most 64 characters.");
  const std::string ok64 = repeat("r", 64);
  r.resolution = ok64;
  EXPECT_NO_THROW(validate(r));
  const std::string ok64_multibyte = repeat(kE4, 64);
  r.resolution = ok64_multibyte;
  EXPECT_NO_THROW(validate(r));
}

TEST(VideoRequestNames, ModelMissingBlankOrTooLong) {
  VideoRequest r = good_video();
  r.model = std::nullopt;
  EXPECT_CORE_ERROR(validate(r), "22023", "p_model is required.");
  r.model = "";
  EXPECT_CORE_ERROR(validate(r), "22023", "p_model must not be empty.");
  r.model = kNbsp;
  EXPECT_CORE_ERROR(validate(r), "22023", "p_model must not be empty.");
  const std::string long65 = repeat("m", 65);
  r.model = long65;
  EXPECT_CORE_ERROR(validate(r), "22023", "p_model must be at most 64 characters.");
  const std::string ok64 = repeat("m", 64);
  r.model = ok64;
  EXPECT_NO_THROW(validate(r));
  const std::string ok64_multibyte = repeat(kA3, 64);
  r.model = ok64_multibyte;
  EXPECT_NO_THROW(validate(r));
}

// --- VideoRequest: idempotency key ----------------------------------------------------------

TEST(VideoRequestIdempotencyKey, NullIsAllowed) {
  VideoRequest r = good_video();
  r.idempotency_key = std::nullopt;
  EXPECT_NO_THROW(validate(r));
}

TEST(VideoRequestIdempotencyKey, BlankIsRefused) {
  for (const char* blank : {"", "  ", "\t\n"}) {
    VideoRequest r = good_video();
    r.idempotency_key = blank;
    EXPECT_CORE_ERROR(validate(r), "22023", "p_idempotency_key must not be empty.");
  }
  VideoRequest r = good_video();
  r.idempotency_key = kIdeoSpace;
  EXPECT_CORE_ERROR(validate(r), "22023", "p_idempotency_key must not be empty.");
}

TEST(VideoRequestIdempotencyKey, Length255PassesAnd256IsRefused) {
  VideoRequest r = good_video();
  const std::string ok = repeat("k", 255);
  r.idempotency_key = ok;
  EXPECT_NO_THROW(validate(r));
  const std::string ok_multibyte = repeat(kE2, 255);
  r.idempotency_key = ok_multibyte;
  EXPECT_NO_THROW(validate(r));
  const std::string too_long = repeat("k", 256);
  r.idempotency_key = too_long;
  EXPECT_CORE_ERROR(validate(r), "22023", "p_idempotency_key must be at most 255 characters.");
}

TEST(VideoRequestOrder, PromptIsCheckedFirst) {
  VideoRequest r;  // everything missing
  EXPECT_CORE_ERROR(validate(r), "22023", "p_prompt is required.");
}

// --- GrantRequest ---------------------------------------------------------------------------

TEST(GrantRequestValidation, GoodGrantPasses) {
  EXPECT_EQ(validate(good_grant()), GrantKind::kPurchase);
}

TEST(GrantRequestValidation, MissingUserIsRefused) {
  GrantRequest g = good_grant();
  g.has_user_id = false;
  EXPECT_CORE_ERROR(validate(g), "22023", "p_user_id is required.");
}

TEST(GrantRequestValidation, AmountMustBePositive) {
  GrantRequest g = good_grant();
  g.amount = std::nullopt;
  EXPECT_CORE_ERROR(validate(g), "22023", "p_amount is required.");
  for (std::int64_t bad : {std::int64_t{0}, std::int64_t{-1}, std::numeric_limits<std::int64_t>::min()}) {
    g.amount = bad;
    EXPECT_CORE_ERROR(validate(g), "22023", "p_amount must be a positive number of credits.");
  }
  g.amount = 1;
  EXPECT_NO_THROW(validate(g));
  g.amount = std::numeric_limits<std::int64_t>::max();
  EXPECT_NO_THROW(validate(g));
}

TEST(GrantRequestValidation, KindMissingOrUnknownIsRefused) {
  GrantRequest g = good_grant();
  g.kind = std::nullopt;
  EXPECT_CORE_ERROR(validate(g), "22023", "p_kind is required.");
  for (const char* bad : {"", "bonus", "refund", "video_generation", "Purchase", " purchase",
                          "purchase ", "signup-bonus"}) {
    g.kind = bad;
    EXPECT_CORE_ERROR(validate(g), "22023",
                      "p_kind must be one of purchase, grant, adjustment, signup_bonus.");
  }
}

TEST(GrantRequestValidation, EachValidKindReturnsItsGrantKind) {
  const std::pair<const char*, GrantKind> kinds[] = {{"purchase", GrantKind::kPurchase},
                                                     {"grant", GrantKind::kGrant},
                                                     {"adjustment", GrantKind::kAdjustment},
                                                     {"signup_bonus", GrantKind::kSignupBonus}};
  for (const auto& [text, kind] : kinds) {
    GrantRequest g = good_grant();
    g.kind = text;
    EXPECT_EQ(validate(g), kind) << text;
  }
}

TEST(GrantRequestValidation, Reference) {
  GrantRequest g = good_grant();
  g.reference = std::nullopt;
  EXPECT_NO_THROW(validate(g));
  g.reference = "";
  EXPECT_CORE_ERROR(validate(g), "22023", "p_reference must not be empty.");
  g.reference = "   ";
  EXPECT_CORE_ERROR(validate(g), "22023", "p_reference must not be empty.");
  g.reference = "pi_3NqX2bLkdIwHu7ix0ylqSCv1";
  EXPECT_NO_THROW(validate(g));
  const std::string ok = repeat("r", 255);
  g.reference = ok;
  EXPECT_NO_THROW(validate(g));
  const std::string too_long = repeat("r", 256);
  g.reference = too_long;
  EXPECT_CORE_ERROR(validate(g), "22023", "p_reference must be at most 255 characters.");
}

TEST(GrantRequestValidation, DescriptionLength) {
  GrantRequest g = good_grant();
  g.description = std::nullopt;
  EXPECT_NO_THROW(validate(g));
  const std::string ok = repeat(kA3, 1000);
  g.description = ok;
  EXPECT_NO_THROW(validate(g));
  const std::string too_long = repeat("d", 1001);
  g.description = too_long;
  EXPECT_CORE_ERROR(validate(g), "22023", "p_description must be at most 1000 characters.");
}

TEST(KindName, Names) {
  EXPECT_EQ(kind_name(GrantKind::kPurchase), "purchase");
  EXPECT_EQ(kind_name(GrantKind::kGrant), "grant");
  EXPECT_EQ(kind_name(GrantKind::kAdjustment), "adjustment");
  EXPECT_EQ(kind_name(GrantKind::kSignupBonus), "signup_bonus");
}

// --- video id, URL, claim limit -------------------------------------------------------------

TEST(RequireVideoId, PresentPassesAbsentIsRefused) {
  EXPECT_NO_THROW(require_video_id(true));
  EXPECT_CORE_ERROR(require_video_id(false), "22023", "p_video_id is required.");
}

TEST(VideoUrl, HttpAndHttpsPass) {
  EXPECT_NO_THROW(validate_video_url("https://cdn.example.com/v/1.mp4"));
  EXPECT_NO_THROW(validate_video_url("http://localhost:8080/v.mp4"));
}

TEST(VideoUrl, MissingOrBlankIsRefused) {
  EXPECT_CORE_ERROR(validate_video_url(std::nullopt), "22023", "p_video_url is required.");
  EXPECT_CORE_ERROR(validate_video_url(""), "22023", "p_video_url must not be empty.");
  EXPECT_CORE_ERROR(validate_video_url("  \n"), "22023", "p_video_url must not be empty.");
}

TEST(VideoUrl, OtherSchemesAreRefused) {
  for (const char* bad : {"ftp://example.com/v.mp4", "javascript:alert(1)", "file:///etc/passwd",
                          "example.com/v.mp4", "https:/x", "http//x", " https://x",
                          "data:video/mp4;base64,AAAA"}) {
    EXPECT_CORE_ERROR(validate_video_url(bad), "22023",
                      "p_video_url must be an http:// or https:// URL.");
  }
}

TEST(VideoUrl, Length2048PassesAnd2049IsRefused) {
  const std::string prefix = "https://e.com/";
  const std::string ok = prefix + repeat("a", 2048 - prefix.size());
  ASSERT_EQ(ok.size(), 2048u);
  EXPECT_NO_THROW(validate_video_url(ok));
  const std::string too_long = ok + "a";
  EXPECT_CORE_ERROR(validate_video_url(too_long), "22023",
                    "p_video_url must be at most 2048 characters.");
}

TEST(ClaimLimit, OneToHundred) {
  for (std::int32_t ok : {1, 2, 50, 100}) EXPECT_NO_THROW(validate_claim_limit(ok)) << ok;
  for (std::optional<std::int32_t> bad :
       {std::optional<std::int32_t>{}, std::optional<std::int32_t>{0},
        std::optional<std::int32_t>{101}, std::optional<std::int32_t>{-1},
        std::optional<std::int32_t>{std::numeric_limits<std::int32_t>::min()},
        std::optional<std::int32_t>{std::numeric_limits<std::int32_t>::max()}}) {
    EXPECT_CORE_ERROR(validate_claim_limit(bad), "22023", "p_limit must be between 1 and 100.");
  }
}

// --- refund_reason ---------------------------------------------------------------------------

TEST(RefundReason, DefaultWhenNullOrBlank) {
  EXPECT_EQ(refund_reason(std::nullopt), "Video generation failed.");
  EXPECT_EQ(refund_reason(""), "Video generation failed.");
  EXPECT_EQ(refund_reason("   "), "Video generation failed.");
  EXPECT_EQ(refund_reason("\t\n"), "Video generation failed.");
  EXPECT_EQ(refund_reason(kIdeoSpace), "Video generation failed.");
}

TEST(RefundReason, ShortReasonIsKeptVerbatim) {
  EXPECT_EQ(refund_reason("Model timed out"), "Model timed out");
  const std::string multibyte = std::string("L\xE1\xBB\x97i ") + kE4;
  EXPECT_EQ(refund_reason(multibyte), multibyte);
}

TEST(RefundReason, AsciiCutTo1000Characters) {
  const std::string exact = repeat("x", 1000);
  EXPECT_EQ(refund_reason(exact), exact);
  const std::string longer = repeat("x", 999) + "yz";
  EXPECT_EQ(refund_reason(longer), repeat("x", 999) + "y");
  const std::string much_longer = repeat("x", 5000);
  EXPECT_EQ(refund_reason(much_longer), exact);
}

TEST(RefundReason, MultibyteCutAtCharacterBoundary) {
  for (const char* ch : {kE2, kA3, kE4}) {
    const std::string exact = repeat(ch, 1000);
    EXPECT_EQ(refund_reason(exact), exact);
    const std::string input = repeat(ch, 1001);
    const std::string out = refund_reason(input);
    EXPECT_TRUE(is_valid_utf8(out));
    EXPECT_EQ(utf8_length(out), 1000u);
    EXPECT_EQ(out, exact);
  }
}

TEST(RefundReason, MixedWidthCutNeverSplitsACharacter) {
  // 999 ASCII then two emoji: the cut falls inside the 1001st character's bytes if done by bytes.
  const std::string input = repeat("a", 999) + kE4 + kE4;
  const std::string out = refund_reason(input);
  EXPECT_TRUE(is_valid_utf8(out));
  EXPECT_EQ(utf8_length(out), 1000u);
  EXPECT_EQ(out, repeat("a", 999) + kE4);
  EXPECT_EQ(out.size(), 1003u);

  // Alternating widths, 3000 characters.
  std::string alternating;
  for (int i = 0; i < 750; ++i) alternating += std::string("a") + kE2 + kA3 + kE4;
  const std::string cut = refund_reason(alternating);
  EXPECT_TRUE(is_valid_utf8(cut));
  EXPECT_EQ(utf8_length(cut), 1000u);
  EXPECT_EQ(cut, alternating.substr(0, 250 * 10));
}

}  // namespace
