#include "core/pricing.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <ostream>
#include <string>

#include "core/error.hpp"
#include "test_support.hpp"

namespace {

using sora::core::require_room_for;
using sora::core::require_balance;
using sora::core::video_cost;
using sora::test::catch_error;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr const char* kCostOverflow = "The price of this video cannot be computed.";
constexpr const char* kBalanceOverflow =
    "This amount would exceed the largest balance an account can hold.";

// --- video_cost: the contract's seed prices -----------------------------------------------

struct SeedPrice {
  const char* model;
  const char* resolution;
  std::int64_t credits_per_second;
};

struct CostCase {
  SeedPrice price;
  std::int32_t duration;
  std::int64_t expected;
};

// Stable, readable parameter text (the default prints raw pointer bytes).
void PrintTo(const CostCase& c, std::ostream* os) {
  *os << c.price.model << ' ' << c.price.resolution << " x " << c.duration << " s = " << c.expected;
}

class SeedPriceCost : public ::testing::TestWithParam<CostCase> {};

TEST_P(SeedPriceCost, IsCreditsPerSecondTimesDuration) {
  const CostCase& c = GetParam();
  EXPECT_EQ(video_cost(c.price.credits_per_second, c.duration), c.expected)
      << c.price.model << " " << c.price.resolution << " " << c.duration << " s";
}

// Expected values written out, not computed, so a wrong formula cannot agree with itself.
INSTANTIATE_TEST_SUITE_P(
    Contract, SeedPriceCost,
    ::testing::Values(
        CostCase{{"sora-2", "480p", 1}, 1, 1}, CostCase{{"sora-2", "480p", 1}, 5, 5},
        CostCase{{"sora-2", "480p", 1}, 60, 60}, CostCase{{"sora-2", "720p", 3}, 1, 3},
        CostCase{{"sora-2", "720p", 3}, 5, 15}, CostCase{{"sora-2", "720p", 3}, 60, 180},
        CostCase{{"sora-2", "1080p", 6}, 1, 6}, CostCase{{"sora-2", "1080p", 6}, 5, 30},
        CostCase{{"sora-2", "1080p", 6}, 60, 360}, CostCase{{"sora-2-pro", "720p", 10}, 1, 10},
        CostCase{{"sora-2-pro", "720p", 10}, 5, 50},
        CostCase{{"sora-2-pro", "720p", 10}, 60, 600},
        CostCase{{"sora-2-pro", "1080p", 20}, 1, 20},
        CostCase{{"sora-2-pro", "1080p", 20}, 5, 100},
        CostCase{{"sora-2-pro", "1080p", 20}, 60, 1200}),
    [](const ::testing::TestParamInfo<CostCase>& info) {
      std::string name = std::string(info.param.price.model) + "_" + info.param.price.resolution +
                         "_" + std::to_string(info.param.duration) + "s";
      for (char& ch : name) {
        if (ch == '-') ch = '_';
      }
      return name;
    });

TEST(VideoCost, LargestRepresentableCostIsAccepted) {
  EXPECT_EQ(video_cost(kMax, 1), kMax);
  EXPECT_EQ(video_cost(kMax / 60, 60), (kMax / 60) * 60);
  // integer column maximum price at the longest duration fits easily in a bigint
  EXPECT_EQ(video_cost(std::numeric_limits<std::int32_t>::max(), 60), 128849018820LL);
}

TEST(VideoCost, OverflowIs22003) {
  EXPECT_CORE_ERROR(video_cost(kMax, 2), "22003", kCostOverflow);
  EXPECT_CORE_ERROR(video_cost(kMax / 60 + 1, 60), "22003", kCostOverflow);
  EXPECT_CORE_ERROR(video_cost(kMax, 60), "22003", kCostOverflow);
  EXPECT_CORE_ERROR(video_cost(kMax / 2 + 1, 2), "22003", kCostOverflow);
}

TEST(VideoCost, NonPositiveResultIsRefused) {
  // credits_cost must be > 0 (table rule); a zero or negative price never yields a charge.
  EXPECT_CORE_ERROR(video_cost(0, 5), "22003", kCostOverflow);
  EXPECT_CORE_ERROR(video_cost(-3, 5), "22003", kCostOverflow);
  EXPECT_CORE_ERROR(video_cost(kMin, 1), "22003", kCostOverflow);
  EXPECT_CORE_ERROR(video_cost(kMin, 2), "22003", kCostOverflow);
}

// --- require_balance ----------------------------------------------------------------------

TEST(RequireBalance, EqualBalancePasses) {
  EXPECT_NO_THROW(require_balance(15, 15));
  EXPECT_NO_THROW(require_balance(0, 0));
  EXPECT_NO_THROW(require_balance(kMax, kMax));
}

TEST(RequireBalance, MoreThanEnoughPasses) {
  EXPECT_NO_THROW(require_balance(16, 15));
  EXPECT_NO_THROW(require_balance(kMax, 1));
}

TEST(RequireBalance, OneShortIsPT402) {
  const auto err = catch_error([] { require_balance(14, 15); });
  ASSERT_TRUE(err.has_value());
  EXPECT_STREQ(err->sqlstate(), "PT402");
  EXPECT_STREQ(err->message(), "Insufficient credits. You have 14 credits, but need 15 credits.");
  EXPECT_EQ(err->detail(), R"({"credits":14,"required":15,"shortfall":1})");
  EXPECT_FALSE(err->hint().empty());
}

TEST(RequireBalance, ContractExampleMessageDetailAndHint) {
  const auto err = catch_error([] { require_balance(5, 15); });
  ASSERT_TRUE(err.has_value());
  EXPECT_STREQ(err->sqlstate(), "PT402");
  EXPECT_STREQ(err->message(), "Insufficient credits. You have 5 credits, but need 15 credits.");
  EXPECT_EQ(std::string(err->what()), "Insufficient credits. You have 5 credits, but need 15 credits.");
  EXPECT_EQ(err->detail(), R"({"credits":5,"required":15,"shortfall":10})");
  EXPECT_FALSE(err->hint().empty());
}

TEST(RequireBalance, ZeroBalance) {
  const auto err = catch_error([] { require_balance(0, 1200); });
  ASSERT_TRUE(err.has_value());
  EXPECT_STREQ(err->sqlstate(), "PT402");
  EXPECT_STREQ(err->message(), "Insufficient credits. You have 0 credits, but need 1200 credits.");
  EXPECT_EQ(err->detail(), R"({"credits":0,"required":1200,"shortfall":1200})");
}

// --- require_room_for ---------------------------------------------------------------------

TEST(RequireRoomFor, AnAmountThatFitsPasses) {
  EXPECT_NO_THROW(require_room_for(100, 0));
  EXPECT_NO_THROW(require_room_for(15, 5));
  EXPECT_NO_THROW(require_room_for(-15, 20));
  EXPECT_NO_THROW(require_room_for(1, kMax - 1));
  EXPECT_NO_THROW(require_room_for(0, kMax));
}

TEST(RequireRoomFor, OverflowAtInt64MaxIs22003) {
  EXPECT_CORE_ERROR(require_room_for(1, kMax), "22003", kBalanceOverflow);
  EXPECT_CORE_ERROR(require_room_for(kMax, 1), "22003", kBalanceOverflow);
  EXPECT_CORE_ERROR(require_room_for(kMax, kMax), "22003", kBalanceOverflow);
  EXPECT_CORE_ERROR(require_room_for(kMax / 2 + 1, kMax / 2 + 1), "22003", kBalanceOverflow);
}

TEST(RequireRoomFor, NegativeOverflowIs22003) {
  EXPECT_CORE_ERROR(require_room_for(-1, kMin), "22003", kBalanceOverflow);
}

}  // namespace
