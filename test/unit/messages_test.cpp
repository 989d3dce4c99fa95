#include "core/messages.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "core/error.hpp"
#include "core/validation.hpp"

namespace {

namespace messages = sora::core::messages;
using sora::core::Error;
using sora::core::GrantKind;

bool contains(const char* haystack, const std::string& needle) {
  return std::string(haystack).find(needle) != std::string::npos;
}

TEST(ErrorType, CarriesAllFields) {
  const Error e("PT404", "m", "d", "h");
  EXPECT_STREQ(e.sqlstate(), "PT404");
  EXPECT_STREQ(e.message(), "m");
  EXPECT_STREQ(e.what(), "m");
  EXPECT_EQ(e.detail(), "d");
  EXPECT_EQ(e.hint(), "h");
  const Error bare("22023", "only a message");
  EXPECT_TRUE(bare.detail().empty());
  EXPECT_TRUE(bare.hint().empty());
}

TEST(ErrorType, SqlstateConstants) {
  namespace st = sora::core::sqlstate;
  EXPECT_STREQ(st::kNotAuthenticated, "42501");
  EXPECT_STREQ(st::kInvalidParameter, "22023");
  EXPECT_STREQ(st::kOutOfRange, "22003");
  EXPECT_STREQ(st::kInsufficientCredits, "PT402");
  EXPECT_STREQ(st::kNotFound, "PT404");
  EXPECT_STREQ(st::kConflict, "PT409");
  EXPECT_STREQ(st::kGone, "PT410");
  EXPECT_STREQ(st::kIdempotencyMismatch, "PT422");
  EXPECT_STREQ(st::kTooManyInFlight, "PT429");
}

TEST(Messages, NotAuthenticatedIs42501WithHint) {
  const Error e = messages::not_authenticated();
  EXPECT_STREQ(e.sqlstate(), "42501");
  EXPECT_STREQ(e.message(), "Not signed in: this action needs an authenticated user.");
  EXPECT_FALSE(e.hint().empty());
}

TEST(Messages, ForeignCreditInfoIs42501) {
  const Error e = messages::foreign_credit_info();
  EXPECT_STREQ(e.sqlstate(), "42501");
  EXPECT_STREQ(e.message(), "You can only view your own credit information.");
}

TEST(Messages, UserIdRequiredIs22023NamingTheParameter) {
  const Error e = messages::user_id_required();
  EXPECT_STREQ(e.sqlstate(), "22023");
  EXPECT_TRUE(contains(e.message(), "p_user_id")) << e.message();
}

TEST(Messages, NotFoundIsPT404) {
  const Error profile = messages::profile_not_found();
  EXPECT_STREQ(profile.sqlstate(), "PT404");
  EXPECT_STREQ(profile.message(), "No credit account exists for this user.");
  const Error video = messages::video_not_found();
  EXPECT_STREQ(video.sqlstate(), "PT404");
  EXPECT_STREQ(video.message(), "Video not found.");
}

TEST(Messages, InsufficientCredits) {
  const Error e = messages::insufficient_credits(5, 15);
  EXPECT_STREQ(e.sqlstate(), "PT402");
  EXPECT_STREQ(e.message(), "Insufficient credits. You have 5 credits, but need 15 credits.");
  EXPECT_EQ(e.detail(), R"({"credits":5,"required":15,"shortfall":10})");
  EXPECT_FALSE(e.hint().empty());
}

TEST(Messages, MismatchesArePT422WithHint) {
  const Error key = messages::idempotency_mismatch();
  EXPECT_STREQ(key.sqlstate(), "PT422");
  EXPECT_TRUE(contains(key.message(), "idempotency key")) << key.message();
  EXPECT_FALSE(key.hint().empty());
  const Error ref = messages::reference_mismatch();
  EXPECT_STREQ(ref.sqlstate(), "PT422");
  EXPECT_TRUE(contains(ref.message(), "reference")) << ref.message();
  EXPECT_FALSE(ref.hint().empty());
}

TEST(Messages, UnknownPriceIs22023NamingBothValuesAndParameters) {
  const Error e = messages::unknown_price("sora-3", "4k");
  EXPECT_STREQ(e.sqlstate(), "22023");
  EXPECT_STREQ(e.message(),
               "p_model and p_resolution: there is no price for model \"sora-3\" at resolution "
               "\"4k\".");
  EXPECT_TRUE(contains(e.message(), "p_model"));
  EXPECT_TRUE(contains(e.message(), "p_resolution"));
  EXPECT_TRUE(contains(e.message(), "\"sora-3\""));
  EXPECT_TRUE(contains(e.message(), "\"4k\""));
  EXPECT_FALSE(e.hint().empty());
}

TEST(Messages, RestoreWindowPassedIsPT410WithTheWindow) {
  const Error e = messages::restore_window_passed("30 days");
  EXPECT_STREQ(e.sqlstate(), "PT410");
  EXPECT_STREQ(e.message(), "This video was deleted more than 30 days ago and can no longer be restored.");
  const Error other = messages::restore_window_passed("7 days 12:00:00");
  EXPECT_TRUE(contains(other.message(), "7 days 12:00:00")) << other.message();
}

TEST(Messages, TooManyInFlightIsPT429WithCountLimitAndJsonDetail) {
  const Error e = messages::too_many_in_flight(3, 3);
  EXPECT_STREQ(e.sqlstate(), "PT429");
  EXPECT_STREQ(e.message(),
               "Too many videos in progress: 3 of your videos are still being generated, and the "
               "limit is 3 at a time.");
  EXPECT_EQ(e.detail(), R"({"in_flight":3,"limit":3})");
  EXPECT_EQ(e.hint(), "Wait until one of your videos is finished, then ask again.");
}

TEST(Messages, TooManyInFlightSingularAndALoweredLimit) {
  EXPECT_STREQ(messages::too_many_in_flight(1, 1).message(),
               "Too many videos in progress: 1 of your videos is still being generated, and the "
               "limit is 1 at a time.");
  // The cap was lowered below what the user already has in flight: the real count is shown.
  const Error lowered = messages::too_many_in_flight(7, 2);
  EXPECT_TRUE(contains(lowered.message(), "7 of your videos are")) << lowered.message();
  EXPECT_TRUE(contains(lowered.message(), "the limit is 2 at a time")) << lowered.message();
  EXPECT_EQ(lowered.detail(), R"({"in_flight":7,"limit":2})");
}

// A row that is not what the functions rely on (read by name in src/pg): the SQLSTATE
// PostgreSQL itself uses for each case, naming the column and where it was read.
TEST(Messages, ChangedTablesNameTheColumnAndWhere) {
  const Error missing = messages::column_missing(messages::table("users"), "id");
  EXPECT_STREQ(missing.sqlstate(), "42703");
  EXPECT_STREQ(missing.message(), "sora_credits: table users has no column \"id\"");
  const Error type =
      messages::column_type_mismatch(messages::statement_result(), "credits", "numeric", "bigint");
  EXPECT_STREQ(type.sqlstate(), "42804");
  EXPECT_STREQ(type.message(),
               "sora_credits: column \"credits\" of a statement's result is of type numeric, not bigint");
  const Error null = messages::column_null(messages::statement_result(), "credits");
  EXPECT_STREQ(null.sqlstate(), "23502");
  EXPECT_STREQ(null.message(), "sora_credits: column \"credits\" of a statement's result is NULL");
  EXPECT_STREQ(messages::row_missing().sqlstate(), "P0002");
  EXPECT_FALSE(messages::row_missing().hint().empty());
  EXPECT_STREQ(messages::status_unknown("paused").sqlstate(), "23514");
}

TEST(Messages, EveryErrorHasAFiveCharacterSqlstateAndAMessage) {
  const Error all[] = {messages::not_authenticated(),     messages::foreign_credit_info(),
                       messages::user_id_required(),      messages::profile_not_found(),
                       messages::video_not_found(),       messages::insufficient_credits(1, 2),
                       messages::idempotency_mismatch(),  messages::reference_mismatch(),
                       messages::unknown_price("m", "r"), messages::restore_window_passed("1 day"),
                       messages::too_many_in_flight(2, 2),
                       messages::argument_required("p"),  messages::argument_blank("p"),
                       messages::argument_too_long("p", 1), messages::duration_out_of_range(1, 2),
                       messages::amount_not_positive(),   messages::grant_kind_unknown(),
                       messages::url_not_http(),          messages::claim_limit_out_of_range(1),
                       messages::older_than_invalid("x"), messages::price_not_computable(),
                       messages::balance_would_overflow(), messages::completed_not_refundable(),
                       messages::failed_not_completable(), messages::completed_with_other_url(),
                       messages::not_called_as_trigger(), messages::not_called_as_event_trigger(),
                       messages::signup_trigger_misattached(), messages::write_guard_misattached(),
                       messages::ledger_guard_without_users(),
                       messages::primary_key_not_one_uuid("t")};
  for (const Error& e : all) {
    EXPECT_EQ(std::strlen(e.sqlstate()), 5u) << e.message();
    EXPECT_GT(std::strlen(e.message()), 0u);
  }
}

TEST(Descriptions, Charge) {
  EXPECT_EQ(messages::charge_description("sora-2", "720p", 5), "Video generation: sora-2 720p, 5 s");
  EXPECT_EQ(messages::charge_description("sora-2-pro", "1080p", 60),
            "Video generation: sora-2-pro 1080p, 60 s");
}

TEST(Descriptions, Refund) {
  EXPECT_EQ(messages::refund_description("Video generation failed."),
            "Refund: Video generation failed.");
}

TEST(Descriptions, GrantKinds) {
  EXPECT_EQ(messages::grant_description(GrantKind::kPurchase), "Credits purchased");
  EXPECT_EQ(messages::grant_description(GrantKind::kGrant), "Credits granted");
  EXPECT_EQ(messages::grant_description(GrantKind::kAdjustment), "Balance adjustment");
  EXPECT_EQ(messages::grant_description(GrantKind::kSignupBonus), "Sign-up bonus");
  EXPECT_EQ(messages::signup_description(), "Sign-up bonus");
}

}  // namespace
