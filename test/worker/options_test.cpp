#include "worker/options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using sora::worker::Options;
using sora::worker::parse_options;
using sora::worker::ParsedOptions;
using sora::worker::ShowHelp;
using sora::worker::usage;
using sora::worker::UsageError;

std::string error_of(const std::vector<std::string>& args) {
  const ParsedOptions parsed = parse_options(args);
  const auto* error = std::get_if<UsageError>(&parsed);
  return error ? error->message : "(no error)";
}

Options options_of(const std::vector<std::string>& args) {
  const ParsedOptions parsed = parse_options(args);
  EXPECT_TRUE(std::holds_alternative<Options>(parsed)) << error_of(args);
  return std::holds_alternative<Options>(parsed) ? std::get<Options>(parsed) : Options{};
}

TEST(Options, RequiredOnlyGivesTheDefaults) {
  const Options o = options_of({"--dsn", "dbname=app", "--command", "gen.sh"});
  EXPECT_EQ(o.dsn, "dbname=app");
  EXPECT_EQ(o.command, "gen.sh");
  EXPECT_EQ(o.batch, 1);
  EXPECT_EQ(o.poll_interval_seconds, 5);
  EXPECT_EQ(o.job_timeout_seconds, 1800);
  EXPECT_FALSE(o.once);
}

TEST(Options, EveryOptionInBothSpellings) {
  const Options o = options_of({"--dsn=host=db user=w", "--command", "echo \"$SORA_PROMPT\"",
                                "--batch=8", "--poll-interval", "30", "--job-timeout=600",
                                "--once"});
  EXPECT_EQ(o.dsn, "host=db user=w");  // only the first '=' separates the value
  EXPECT_EQ(o.command, "echo \"$SORA_PROMPT\"");
  EXPECT_EQ(o.batch, 8);
  EXPECT_EQ(o.poll_interval_seconds, 30);
  EXPECT_EQ(o.job_timeout_seconds, 600);
  EXPECT_TRUE(o.once);
}

TEST(Options, ValueMayLookLikeAnOption) {
  EXPECT_EQ(options_of({"--dsn", "x", "--command", "--once"}).command, "--once");
}

TEST(Options, EmptyDsnMeansLibpqDefaults) {
  EXPECT_EQ(options_of({"--dsn", "", "--command", "true"}).dsn, "");
}

TEST(Options, Help) {
  EXPECT_TRUE(std::holds_alternative<ShowHelp>(parse_options({"--help"})));
  EXPECT_TRUE(std::holds_alternative<ShowHelp>(parse_options({"--dsn", "x", "-h"})));
  EXPECT_NE(usage().find("--job-timeout SECONDS"), std::string::npos);
  EXPECT_NE(usage().find("default 1800"), std::string::npos);
}

TEST(Options, Errors) {
  EXPECT_EQ(error_of({}), "--dsn is required");
  EXPECT_EQ(error_of({"--dsn", "x"}), "--command is required");
  EXPECT_EQ(error_of({"--command", "x"}), "--dsn is required");
  EXPECT_EQ(error_of({"--dsn", "x", "--command", " \t"}), "--command must not be empty");
  EXPECT_EQ(error_of({"--dsn"}), "--dsn needs a value");
  EXPECT_EQ(error_of({"--dsn", "x", "--dsn", "y", "--command", "c"}), "--dsn is given twice");
  EXPECT_EQ(error_of({"--bogus", "1"}), "unknown option '--bogus'");
  EXPECT_EQ(error_of({"-x"}), "unknown option '-x'");
  EXPECT_EQ(error_of({"stray"}), "unexpected argument 'stray'");
  EXPECT_EQ(error_of({"--once=yes"}), "--once takes no value");
}

TEST(Options, NumbersAreWholeAndInRange) {
  const std::vector<std::string> base{"--dsn", "x", "--command", "c"};
  auto with = [&](std::string name, std::string value) {
    std::vector<std::string> args = base;
    args.push_back(name);
    args.push_back(value);
    return error_of(args);
  };
  EXPECT_EQ(with("--batch", "0"), "--batch must be a whole number from 1 to 100, not '0'");
  EXPECT_EQ(with("--batch", "101"), "--batch must be a whole number from 1 to 100, not '101'");
  EXPECT_EQ(with("--batch", "2x"), "--batch must be a whole number from 1 to 100, not '2x'");
  EXPECT_EQ(with("--batch", ""), "--batch must be a whole number from 1 to 100, not ''");
  EXPECT_EQ(with("--batch", "99999999999"),
            "--batch must be a whole number from 1 to 100, not '99999999999'");
  EXPECT_EQ(with("--poll-interval", "-1"),
            "--poll-interval must be a whole number from 1 to 3600, not '-1'");
  EXPECT_EQ(with("--job-timeout", "1.5"),
            "--job-timeout must be a whole number from 1 to 86400, not '1.5'");
  EXPECT_EQ(with("--job-timeout", "86401"),
            "--job-timeout must be a whole number from 1 to 86400, not '86401'");
  EXPECT_EQ(options_of({"--dsn", "x", "--command", "c", "--batch", "100"}).batch, 100);
  EXPECT_EQ(options_of({"--dsn", "x", "--command", "c", "--job-timeout", "1"}).job_timeout_seconds, 1);
}

}  // namespace
