#include "intervals.hpp"

#include "messages.hpp"
#include "no_postgres.hpp"  // last: see the file

namespace sora::core {

namespace {

constexpr std::int64_t kMillisPerDay = 24LL * 60 * 60 * 1000;
constexpr std::int64_t kLongestMillis = 100LL * 12 * 30 * kMillisPerDay;  // '100 years'

bool has_negative_part(const IntervalParts& v) { return v.months < 0 || v.days < 0 || v.micros < 0; }
bool is_zero(const IntervalParts& v) { return v.months == 0 && v.days == 0 && v.micros == 0; }

}  // namespace

const char* interval_problem(const IntervalParts& value, IntervalRule rule) noexcept {
  if (!has_negative_part(value) && interval_milliseconds(value) > kLongestMillis) {
    return "must be at most 100 years";
  }
  switch (rule) {
    case IntervalRule::kNotNegative:
      return has_negative_part(value) ? "must not be negative" : nullptr;
    case IntervalRule::kPositive:
      return has_negative_part(value) || is_zero(value)
                 ? "must be positive (more than 0, with no negative part)"
                 : nullptr;
    case IntervalRule::kOffOrAtLeastOneSecond:
      if (has_negative_part(value)) return "must not be negative";
      return !is_zero(value) && interval_milliseconds(value) < 1000
                 ? "must be 0 (off) or at least 1 second"
                 : nullptr;
  }
  return nullptr;
}

void validate_older_than(const IntervalParts& value) {
  if (const char* problem = interval_problem(value, IntervalRule::kPositive)) {
    throw messages::older_than_invalid(problem);
  }
}

std::int64_t interval_milliseconds(const IntervalParts& value) noexcept {
  return (std::int64_t{value.months} * 30 + value.days) * kMillisPerDay + value.micros / 1000;
}

}  // namespace sora::core
