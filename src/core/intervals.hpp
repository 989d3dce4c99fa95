// Rules for the interval settings and arguments (restore window, job timeout, expiry
// interval, p_older_than). An interval is kept as PostgreSQL keeps it: months, days and
// microseconds, each with its own sign.
#pragma once

#include <cstdint>

namespace sora::core {

struct IntervalParts {
  std::int32_t months = 0;
  std::int32_t days = 0;
  std::int64_t micros = 0;
};

enum class IntervalRule {
  kNotNegative,            // sora_credits.restore_window: 0 allowed
  kPositive,               // sora_credits.job_timeout, p_older_than: more than 0
  kOffOrAtLeastOneSecond,  // sora_credits.expire_interval: 0 is off; never a busy loop
};

// nullptr when the interval obeys the rule, else what is wrong with it, worded to follow
// the setting's or parameter's name ("must not be negative"). A part with a minus sign
// breaks every rule, even when the whole is positive ('1 day -1 hour'): such values are
// almost always typing mistakes. Every rule also refuses more than 100 years (counted as
// interval_milliseconds counts, so at most 36000 days): now() minus the interval must stay
// a timestamp, or every statement using it would fail with 22008.
const char* interval_problem(const IntervalParts& value, IntervalRule rule) noexcept;

// p_older_than of expire_stale_videos: 22023 unless it is positive (kPositive).
void validate_older_than(const IntervalParts& value);

// The length of an interval with no negative part, in milliseconds, counting a month as
// 30 days as PostgreSQL's interval comparison does. Cannot overflow: the largest months
// and days an interval holds add up to less than 2^63 milliseconds.
std::int64_t interval_milliseconds(const IntervalParts& value) noexcept;

}  // namespace sora::core
