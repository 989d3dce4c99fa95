// Credit lots (1.2): the category of a granted lot, the expiry rule, and the split of a
// charge over the live lots in spending order (src/core/lots.hpp).
#include "core/lots.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/messages.hpp"
#include "core/pricing.hpp"
#include "core/validation.hpp"
#include "test_support.hpp"

namespace {

namespace messages = sora::core::messages;
using sora::core::Category;
using sora::core::category_name;
using sora::core::grant_category;
using sora::core::GrantKind;
using sora::core::LiveLot;
using sora::core::require_balance;
using sora::core::require_future_expiry;
using sora::core::spendable;
using sora::core::split_charge;
using sora::core::Take;
using sora::test::catch_error;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr const char* kCategoryUnknown = "p_category must be paid or promotional.";
constexpr const char* kExpiryNotInFuture = "p_expires_at must be in the future.";

// --- category_name -------------------------------------------------------------------------

TEST(CategoryName, IsTheColumnValue) {
  EXPECT_EQ(category_name(Category::kPaid), "paid");
  EXPECT_EQ(category_name(Category::kPromotional), "promotional");
}

// --- grant_category: derived from the kind, or the caller's ---------------------------------

TEST(GrantCategory, DerivedFromTheKindWhenNotGiven) {
  EXPECT_EQ(grant_category(GrantKind::kPurchase, std::nullopt), Category::kPaid);
  EXPECT_EQ(grant_category(GrantKind::kAdjustment, std::nullopt), Category::kPaid)
      << "an adjustment is paid by default";
  EXPECT_EQ(grant_category(GrantKind::kGrant, std::nullopt), Category::kPromotional);
  EXPECT_EQ(grant_category(GrantKind::kSignupBonus, std::nullopt), Category::kPromotional);
}

TEST(GrantCategory, GivenItIsUsedForAnyKind) {
  for (GrantKind kind : {GrantKind::kPurchase, GrantKind::kGrant, GrantKind::kAdjustment,
                         GrantKind::kSignupBonus}) {
    EXPECT_EQ(grant_category(kind, std::string_view("paid")), Category::kPaid)
        << sora::core::kind_name(kind);
    EXPECT_EQ(grant_category(kind, std::string_view("promotional")), Category::kPromotional)
        << sora::core::kind_name(kind);
  }
}

TEST(GrantCategory, AnythingElseIs22023) {
  for (std::string_view bad : {"", " ", "Paid", "PAID", "paid ", " paid", "promo", "Promotional",
                               "free", "paid,promotional", "null"}) {
    SCOPED_TRACE("p_category '" + std::string(bad) + "'");
    EXPECT_CORE_ERROR(grant_category(GrantKind::kPurchase, bad), "22023", kCategoryUnknown);
    EXPECT_CORE_ERROR(grant_category(GrantKind::kGrant, bad), "22023", kCategoryUnknown);
  }
  // A NUL inside the text is not cut off to "paid".
  const std::string with_nul("paid\0x", 6);
  EXPECT_CORE_ERROR(grant_category(GrantKind::kPurchase, std::string_view(with_nul)), "22023",
                    kCategoryUnknown);
}

TEST(GrantCategory, TheErrorHasNoDetailOrHint) {
  const auto err = catch_error([] { grant_category(GrantKind::kAdjustment, std::string_view("x")); });
  ASSERT_TRUE(err.has_value());
  EXPECT_TRUE(err->detail().empty());
  EXPECT_TRUE(err->hint().empty());
}

// --- require_future_expiry: NULL or later than now ------------------------------------------

TEST(RequireFutureExpiry, NeverExpiringIsFine) {
  EXPECT_NO_THROW(require_future_expiry(std::nullopt, 0));
  EXPECT_NO_THROW(require_future_expiry(std::nullopt, kMax));
}

TEST(RequireFutureExpiry, LaterThanNowIsFine) {
  EXPECT_NO_THROW(require_future_expiry(1'000'001, 1'000'000)) << "one microsecond later";
  EXPECT_NO_THROW(require_future_expiry(kMax, 0));
  EXPECT_NO_THROW(require_future_expiry(0, -1)) << "timestamps before 2000 are negative";
}

TEST(RequireFutureExpiry, NowIs22023) {
  EXPECT_CORE_ERROR(require_future_expiry(1'000'000, 1'000'000), "22023", kExpiryNotInFuture);
  EXPECT_CORE_ERROR(require_future_expiry(0, 0), "22023", kExpiryNotInFuture);
}

TEST(RequireFutureExpiry, ThePastIs22023) {
  EXPECT_CORE_ERROR(require_future_expiry(999'999, 1'000'000), "22023", kExpiryNotInFuture);
  EXPECT_CORE_ERROR(require_future_expiry(-1, 0), "22023", kExpiryNotInFuture);
  EXPECT_CORE_ERROR(require_future_expiry(std::numeric_limits<std::int64_t>::min(), kMax), "22023",
                    kExpiryNotInFuture);
}

TEST(RequireFutureExpiry, TheErrorHintsAtNull) {
  const auto err = catch_error([] { require_future_expiry(5, 10); });
  ASSERT_TRUE(err.has_value());
  EXPECT_STREQ(err->sqlstate(), "22023");
  EXPECT_STREQ(err->message(), kExpiryNotInFuture);
  EXPECT_TRUE(err->detail().empty());
  EXPECT_EQ(err->hint(), "Give NULL for credits that never expire.");
}

// --- spendable -----------------------------------------------------------------------------

TEST(Spendable, SumsTheLots) {
  EXPECT_EQ(spendable({}), 0);
  EXPECT_EQ(spendable({{7, 10}}), 10);
  EXPECT_EQ(spendable({{1, 10}, {2, 5}, {3, 1}}), 16);
  EXPECT_EQ(spendable({{1, kMax - 1}, {2, 1}}), kMax) << "up to the largest balance";
}

TEST(Spendable, FeedsTheBalanceCheck) {
  // A charge checks the live lots' credits (PT402's numbers are the spendable credits).
  const std::vector<LiveLot> lots{{1, 4}, {2, 6}};
  EXPECT_NO_THROW(require_balance(spendable(lots), 10));
  const auto err = catch_error([&] { require_balance(spendable(lots), 15); });
  ASSERT_TRUE(err.has_value());
  EXPECT_STREQ(err->sqlstate(), "PT402");
  EXPECT_STREQ(err->message(), "Insufficient credits. You have 10 credits, but need 15 credits.");
  EXPECT_EQ(err->detail(), R"({"credits":10,"required":15,"shortfall":5})");
}

// --- split_charge: in the order given, as much as possible from each lot --------------------

TEST(SplitCharge, FromTheFirstLotWhenItHoldsEnough) {
  EXPECT_EQ(split_charge({{11, 100}, {12, 50}}, 30), (std::vector<Take>{{11, 30}}));
}

TEST(SplitCharge, EmptiesTheFirstLotExactly) {
  EXPECT_EQ(split_charge({{11, 30}, {12, 50}}, 30), (std::vector<Take>{{11, 30}}))
      << "no Take of 0 from the next lot";
}

TEST(SplitCharge, SpansSeveralLotsInOrder) {
  EXPECT_EQ(split_charge({{11, 10}, {12, 5}, {13, 100}}, 40),
            (std::vector<Take>{{11, 10}, {12, 5}, {13, 25}}));
  // The order given is the spending order, not the ids' order.
  EXPECT_EQ(split_charge({{9, 3}, {2, 3}, {5, 3}}, 7),
            (std::vector<Take>{{9, 3}, {2, 3}, {5, 1}}));
}

TEST(SplitCharge, TakesEverythingWhenTheCostIsTheTotal) {
  const std::vector<LiveLot> lots{{1, 1}, {2, 2}, {3, 3}};
  const std::vector<Take> takes = split_charge(lots, spendable(lots));
  EXPECT_EQ(takes, (std::vector<Take>{{1, 1}, {2, 2}, {3, 3}}));
}

TEST(SplitCharge, TheTakesAddUpToTheCostAndStayWithinEachLot) {
  const std::vector<LiveLot> lots{{1, 7}, {2, 1}, {3, 13}, {4, 2}, {5, 40}};
  for (std::int64_t cost = 1; cost <= spendable(lots); ++cost) {
    const std::vector<Take> takes = split_charge(lots, cost);
    std::int64_t total = 0;
    for (std::size_t i = 0; i < takes.size(); ++i) {
      EXPECT_GT(takes[i].amount, 0) << "cost " << cost;
      ASSERT_LT(i, lots.size());
      EXPECT_EQ(takes[i].lot_id, lots[i].id) << "cost " << cost << ": lots in order, none skipped";
      EXPECT_LE(takes[i].amount, lots[i].remaining) << "cost " << cost;
      // Every lot before the last one touched is emptied.
      if (i + 1 < takes.size()) {
        EXPECT_EQ(takes[i].amount, lots[i].remaining) << "cost " << cost;
      }
      total += takes[i].amount;
    }
    EXPECT_EQ(total, cost);
  }
}

TEST(SplitCharge, SkipsLotsWithNothingLeft) {
  EXPECT_EQ(split_charge({{1, 0}, {2, 5}, {3, 0}, {4, 5}}, 8),
            (std::vector<Take>{{2, 5}, {4, 3}}));
}

TEST(SplitCharge, ZeroCostTakesNothing) {
  EXPECT_TRUE(split_charge({{1, 5}}, 0).empty());
  EXPECT_TRUE(split_charge({}, 0).empty());
}

TEST(SplitCharge, LargeAmounts) {
  EXPECT_EQ(split_charge({{1, kMax - 10}, {2, 10}}, kMax),
            (std::vector<Take>{{1, kMax - 10}, {2, 10}}));
}

TEST(SplitCharge, LotsHoldingTooLittleIsALogicErrorNotAUserError) {
  // The caller checks the balance first (PT402); lots holding less than the cost here are a
  // bug, reported as an internal error, never as a core::Error a user could read.
  EXPECT_THROW(split_charge({}, 1), std::logic_error);
  EXPECT_THROW(split_charge({{1, 10}, {2, 4}}, 15), std::logic_error);
  EXPECT_THROW(split_charge({{1, 0}}, 1), std::logic_error);
  try {
    split_charge({{1, 2}}, 3);
    ADD_FAILURE() << "no exception";
  } catch (const sora::core::Error&) {
    ADD_FAILURE() << "a core::Error";
  } catch (const std::logic_error& e) {
    EXPECT_EQ(std::string(e.what()), "sora_credits: a charge split over lots that hold too little");
  }
}

// --- messages ------------------------------------------------------------------------------

TEST(LotMessages, TheExpiryEntryNamesTheLotAndItsCategory) {
  EXPECT_EQ(messages::lot_expiry_description(7, "promotional"), "Credits expired (lot 7, promotional)");
  EXPECT_EQ(messages::lot_expiry_description(123456789012LL, category_name(Category::kPaid)),
            "Credits expired (lot 123456789012, paid)");
}

TEST(LotMessages, TheSweepsLogLine) {
  EXPECT_EQ(messages::credits_expired("app", 1, 30),
            R"(sora_credits: expired 30 credits left in 1 credit lot in database "app")");
  EXPECT_EQ(messages::credits_expired("app", 3, 250),
            R"(sora_credits: expired 250 credits left in 3 credit lots in database "app")");
}

TEST(LotMessages, ErrorsAndTheirSqlstates) {
  const sora::core::Error category = messages::category_unknown();
  EXPECT_STREQ(category.sqlstate(), "22023");
  EXPECT_STREQ(category.message(), kCategoryUnknown);
  const sora::core::Error expiry = messages::expiry_not_in_future();
  EXPECT_STREQ(expiry.sqlstate(), "22023");
  EXPECT_STREQ(expiry.message(), kExpiryNotInFuture);
  EXPECT_EQ(expiry.hint(), "Give NULL for credits that never expire.");
}

}  // namespace
