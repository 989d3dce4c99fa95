// The rules behind release 1.1's expiry: interval settings and p_older_than, the database
// list of the background worker, and the worker's log lines.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/database_list.hpp"
#include "core/intervals.hpp"
#include "core/messages.hpp"
#include "test_support.hpp"

namespace {

namespace messages = sora::core::messages;
using sora::core::interval_milliseconds;
using sora::core::interval_problem;
using sora::core::IntervalParts;
using sora::core::IntervalRule;
using sora::core::split_database_list;
using sora::core::validate_older_than;

constexpr std::int64_t kHour = 3600LL * 1000 * 1000;  // microseconds
constexpr std::int64_t kSecond = 1000 * 1000;
const std::string kNegative = "must not be negative";
const std::string kNotPositive = "must be positive (more than 0, with no negative part)";
const std::string kTooShort = "must be 0 (off) or at least 1 second";

std::string problem(IntervalParts value, IntervalRule rule) {
  const char* p = interval_problem(value, rule);
  return p == nullptr ? "" : p;
}

// --- interval rules ------------------------------------------------------------------------

TEST(IntervalRules, NotNegativeAcceptsZeroAndPositiveParts) {
  EXPECT_EQ(problem({0, 0, 0}, IntervalRule::kNotNegative), "");
  EXPECT_EQ(problem({0, 30, 0}, IntervalRule::kNotNegative), "");
  EXPECT_EQ(problem({1, 2, 3}, IntervalRule::kNotNegative), "");
}

TEST(IntervalRules, AnyNegativePartBreaksEveryRule) {
  for (IntervalRule rule : {IntervalRule::kNotNegative, IntervalRule::kPositive,
                            IntervalRule::kOffOrAtLeastOneSecond}) {
    EXPECT_NE(problem({-1, 0, 0}, rule), "");
    EXPECT_NE(problem({0, -1, 0}, rule), "");
    EXPECT_NE(problem({0, 0, -1}, rule), "");
    // '1 day -1 hour' is 23 hours in all, but a part is negative: refused as a likely typo.
    EXPECT_NE(problem({0, 1, -kHour}, rule), "");
  }
  EXPECT_EQ(problem({0, 0, -1}, IntervalRule::kNotNegative), kNegative);
  EXPECT_EQ(problem({0, 0, -1}, IntervalRule::kOffOrAtLeastOneSecond), kNegative);
  EXPECT_EQ(problem({0, 0, -1}, IntervalRule::kPositive), kNotPositive);
}

TEST(IntervalRules, PositiveRefusesZero) {
  EXPECT_EQ(problem({0, 0, 0}, IntervalRule::kPositive), kNotPositive);
  EXPECT_EQ(problem({0, 0, 1}, IntervalRule::kPositive), "");  // one microsecond
  EXPECT_EQ(problem({0, 0, kHour}, IntervalRule::kPositive), "");
  EXPECT_EQ(problem({1, 0, 0}, IntervalRule::kPositive), "");
}

TEST(IntervalRules, ExpireIntervalIsOffOrAtLeastOneSecond) {
  EXPECT_EQ(problem({0, 0, 0}, IntervalRule::kOffOrAtLeastOneSecond), "");  // off
  EXPECT_EQ(problem({0, 0, kSecond}, IntervalRule::kOffOrAtLeastOneSecond), "");
  EXPECT_EQ(problem({0, 0, kSecond - 1}, IntervalRule::kOffOrAtLeastOneSecond), kTooShort);
  EXPECT_EQ(problem({0, 0, 1}, IntervalRule::kOffOrAtLeastOneSecond), kTooShort);
  EXPECT_EQ(problem({0, 1, 0}, IntervalRule::kOffOrAtLeastOneSecond), "");
}

// now() minus the interval must stay a timestamp: at most 100 years, a year being 12
// months of 30 days as PostgreSQL compares intervals.
TEST(IntervalRules, EveryRuleRefusesMoreThan100Years) {
  const std::string kTooLong = "must be at most 100 years";
  constexpr std::int64_t kDay = 24 * kHour;
  for (IntervalRule rule : {IntervalRule::kNotNegative, IntervalRule::kPositive,
                            IntervalRule::kOffOrAtLeastOneSecond}) {
    EXPECT_EQ(problem({1200, 0, 0}, rule), "");          // '100 years'
    EXPECT_EQ(problem({0, 36000, 0}, rule), "");         // the same in days
    EXPECT_EQ(problem({0, 0, 36000 * kDay}, rule), "");  // and in hours
    EXPECT_EQ(problem({1200, 0, kSecond}, rule), kTooLong);
    EXPECT_EQ(problem({0, 36001, 0}, rule), kTooLong);
    EXPECT_EQ(problem({120000, 0, 0}, rule), kTooLong);  // '10000 years'
    EXPECT_EQ(problem({INT32_MAX, INT32_MAX, INT64_MAX}, rule), kTooLong);
  }
  EXPECT_CORE_ERROR(validate_older_than({120000, 0, 0}), "22023",
                    "p_older_than must be at most 100 years.");
}

TEST(IntervalRules, OlderThanIs22023NamingTheParameter) {
  EXPECT_NO_THROW(validate_older_than({0, 0, kHour}));
  EXPECT_CORE_ERROR(validate_older_than({0, 0, 0}), "22023",
                    "p_older_than must be positive (more than 0, with no negative part).");
  EXPECT_CORE_ERROR(validate_older_than({0, 0, -kHour}), "22023",
                    "p_older_than must be positive (more than 0, with no negative part).");
  EXPECT_CORE_ERROR(validate_older_than({0, -1, 0}), "22023",
                    "p_older_than must be positive (more than 0, with no negative part).");
}

TEST(IntervalMilliseconds, CountsAMonthAsThirtyDays) {
  EXPECT_EQ(interval_milliseconds({0, 0, 0}), 0);
  EXPECT_EQ(interval_milliseconds({0, 0, 1500}), 1);  // microseconds are truncated
  EXPECT_EQ(interval_milliseconds({0, 0, 60 * kSecond}), 60000);
  EXPECT_EQ(interval_milliseconds({0, 1, 0}), 86400000);
  EXPECT_EQ(interval_milliseconds({1, 0, 0}), 30LL * 86400000);
  EXPECT_EQ(interval_milliseconds({1, 1, kSecond}), 31LL * 86400000 + 1000);
}

TEST(IntervalMilliseconds, TheLargestIntervalDoesNotOverflow) {
  const std::int64_t ms = interval_milliseconds({INT32_MAX, INT32_MAX, INT64_MAX});
  EXPECT_GT(ms, 0);
  EXPECT_EQ(ms, (std::int64_t{INT32_MAX} * 30 + INT32_MAX) * 86400000 + INT64_MAX / 1000);
}

// --- sora_credits.databases ----------------------------------------------------------------

TEST(DatabaseList, SplitsTrimsAndKeepsOrder) {
  EXPECT_EQ(split_database_list("postgres"), (std::vector<std::string>{"postgres"}));
  EXPECT_EQ(split_database_list(" app ,\tpostgres,other "),
            (std::vector<std::string>{"app", "postgres", "other"}));
}

TEST(DatabaseList, KeepsCaseAndInnerSpaces) {
  EXPECT_EQ(split_database_list("MyApp, my db"), (std::vector<std::string>{"MyApp", "my db"}));
}

TEST(DatabaseList, DropsEmptyEntriesAndRepeats) {
  EXPECT_TRUE(split_database_list("").empty());
  EXPECT_TRUE(split_database_list(" , ,, ").empty());
  EXPECT_EQ(split_database_list("a,,a, b ,a"), (std::vector<std::string>{"a", "b"}));
}

TEST(DatabaseList, QuotedForTheLog) {
  EXPECT_EQ(sora::core::quoted_database_list({"a", "my db"}), "\"a\", \"my db\"");
  EXPECT_EQ(sora::core::quoted_database_list({}), "");
}

// --- texts ---------------------------------------------------------------------------------

TEST(ExpiryTexts, ReasonAndItsLedgerDescription) {
  EXPECT_EQ(messages::expiry_reason(),
            "Timed out: the video was not generated in time, so its credits were refunded.");
  EXPECT_EQ(messages::refund_description(messages::expiry_reason()),
            "Refund: Timed out: the video was not generated in time, so its credits were refunded.");
}

TEST(ExpiryTexts, LogLineOfARun) {
  EXPECT_EQ(messages::expiry_done("app", 2, 30, "1 hour"),
            "sora_credits: expired 2 stale video jobs in database \"app\" and refunded 30 "
            "credits (sora_credits.job_timeout = 1 hour)");
  EXPECT_EQ(messages::expiry_done("app", 1, 15, "2h"),
            "sora_credits: expired 1 stale video job in database \"app\" and refunded 15 "
            "credits (sora_credits.job_timeout = 2h)");
}

TEST(ExpiryTexts, SkippedDatabasesSayWhyAndWhatToDo) {
  EXPECT_EQ(messages::expiry_skipped_no_database("gone"),
            "sora_credits: skipped database \"gone\" listed in sora_credits.databases: it does "
            "not exist");
  EXPECT_EQ(messages::expiry_skipped_no_extension("postgres"),
            "sora_credits: skipped database \"postgres\": the sora_credits extension is not "
            "installed there (CREATE EXTENSION sora_credits, or remove the database from "
            "sora_credits.databases)");
  EXPECT_EQ(messages::expiry_skipped_old_version("old", "1.0"),
            "sora_credits: skipped database \"old\": sora_credits is at version 1.0, and stale "
            "jobs expire from version 1.1 on (ALTER EXTENSION sora_credits UPDATE)");
}

TEST(ExpiryTexts, LauncherLines) {
  EXPECT_EQ(messages::expiry_schedule("1 minute", "\"a\", \"b\""),
            "sora_credits: expiring stale video jobs every 1 minute in \"a\", \"b\"");
  EXPECT_EQ(messages::expiry_idle(true),
            "sora_credits: stale-job expiry is off (sora_credits.expire_interval = 0)");
  EXPECT_EQ(messages::expiry_idle(false),
            "sora_credits: stale-job expiry is idle: sora_credits.databases is empty");
  EXPECT_EQ(messages::expiry_stopping(), "sora_credits: expiry worker stopping");
  EXPECT_NE(messages::expiry_not_started("app").find("\"app\""), std::string::npos);
}

}  // namespace
