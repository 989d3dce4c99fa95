#include "settings.hpp"

#include <cstdlib>

#include "guard.hpp"
#include "postgres.hpp"
#include "values.hpp"

namespace sora::pg {

namespace {

int signup_credits_value = 0;
int signup_bonus_at_value = static_cast<int>(core::BonusMoment::kConfirmation);
const config_enum_entry kBonusMoments[] = {
    {"confirmation", static_cast<int>(core::BonusMoment::kConfirmation), false},
    {"signup", static_cast<int>(core::BonusMoment::kSignup), false},
    {nullptr, 0, false}};
int max_inflight_value = 0;
bool notify_new_jobs_value = false;  // read by SQL only: the videos_notify_new_job trigger
char* restore_window_value = nullptr;
char* signup_expire_after_value = nullptr;
char* job_timeout_value = nullptr;
char* expire_interval_value = nullptr;
char* databases_value = nullptr;
// The parsed intervals: the GUC "extra" of the current value, owned by the GUC machinery.
const Interval* restore_window_parsed = nullptr;
const Interval* signup_expire_after_parsed = nullptr;  // nullptr: never
const Interval* job_timeout_parsed = nullptr;
const Interval* expire_interval_parsed = nullptr;

// Parses an interval without ereport (a check hook must report by returning false):
// ParseDateTime and the Decode functions return error codes, as interval_in relies on.
bool parse_interval(const char* text, Interval* result) {
  char work[MAXDATELEN + MAXDATEFIELDS];
  char* fields[MAXDATEFIELDS];
  int types[MAXDATEFIELDS];
  int nfields = 0;
  int dtype = 0;
  pg_itm_in itm{};
  int err = ParseDateTime(text, work, sizeof work, fields, types, MAXDATEFIELDS, &nfields);
  if (err == 0) err = DecodeInterval(fields, types, nfields, INTERVAL_FULL_RANGE, &dtype, &itm);
  if (err == DTERR_BAD_FORMAT) err = DecodeISO8601Interval(const_cast<char*>(text), &dtype, &itm);
  return err == 0 && dtype == DTK_DELTA && itmin2interval(&itm, result) == 0;
}

// The check hook of an interval setting: parses the value, applies its rule and hands the
// parsed interval to the assign hook as GUC extra data (malloc'd; the GUC machinery frees it).
bool check_interval(char** newval, void** extra, const char* name, const char* example,
                    core::IntervalRule rule) {
  Interval parsed;
  if (*newval == nullptr || !parse_interval(*newval, &parsed)) {
    GUC_check_errdetail("%s must be an interval such as '%s'.", name, example);
    return false;
  }
  if (const char* problem = core::interval_problem(parts(parsed), rule)) {
    GUC_check_errdetail("%s %s.", name, problem);
    return false;
  }
  auto* copy = static_cast<Interval*>(std::malloc(sizeof(Interval)));
  if (copy == nullptr) return false;
  *copy = parsed;
  *extra = copy;
  return true;
}

constexpr const char* kDefaultRestoreWindow = "30 days";
constexpr const char* kDefaultJobTimeout = "1 hour";
constexpr const char* kDefaultExpireInterval = "1 minute";

bool check_restore_window(char** newval, void** extra, GucSource) {
  return check_interval(newval, extra, "sora_credits.restore_window", kDefaultRestoreWindow,
                        core::IntervalRule::kNotNegative);
}
// Empty (the default) means the sign-up bonus never expires.
bool check_signup_expire_after(char** newval, void** extra, GucSource) {
  if (*newval != nullptr && **newval == '\0') return true;
  return check_interval(newval, extra, "sora_credits.signup_credits_expire_after", "30 days",
                        core::IntervalRule::kPositive);
}
bool check_job_timeout(char** newval, void** extra, GucSource) {
  return check_interval(newval, extra, "sora_credits.job_timeout", kDefaultJobTimeout,
                        core::IntervalRule::kPositive);
}
bool check_expire_interval(char** newval, void** extra, GucSource) {
  return check_interval(newval, extra, "sora_credits.expire_interval", kDefaultExpireInterval,
                        core::IntervalRule::kOffOrAtLeastOneSecond);
}

template <const Interval** parsed>
void assign_interval(const char*, void* extra) {
  *parsed = static_cast<const Interval*>(extra);
}

}  // namespace

void define_settings() {
  // PGC_SUSET: only a superuser (or ALTER ROLE/DATABASE by one) may change these. A user who
  // could raise the sign-up bonus in their own session could mint credits; one who could
  // lift the in-flight cap or lengthen the job timeout could hold more than the operator
  // allows.
  DefineCustomIntVariable("sora_credits.signup_credits",
                          "Credits a new user receives when their account is created.",
                          "A positive bonus is written to the ledger as a signup_bonus entry.",
                          &signup_credits_value, 0, 0, 1000000000, PGC_SUSET, 0, nullptr,
                          nullptr, nullptr);
  // SUSET like the bonus itself: a session that could move the bonus to sign-up could farm
  // it with throwaway accounts.
  DefineCustomEnumVariable("sora_credits.signup_bonus_at",
                           "When a new user receives the sign-up bonus.",
                           "confirmation: once the account is confirmed (e-mail or phone) and "
                           "not anonymous; signup: when the auth.users row is created.",
                           &signup_bonus_at_value, signup_bonus_at_value, kBonusMoments, PGC_SUSET,
                           0, nullptr, nullptr, nullptr);
  // SUSET like the bonus: a user who could lengthen it would keep promotional credits longer.
  DefineCustomStringVariable("sora_credits.signup_credits_expire_after",
                             "How long the sign-up bonus can be spent.",
                             "A positive interval such as '30 days'; empty (the default) means "
                             "the bonus never expires.",
                             &signup_expire_after_value, "", PGC_SUSET, 0,
                             check_signup_expire_after,
                             assign_interval<&signup_expire_after_parsed>, nullptr);
  DefineCustomStringVariable("sora_credits.restore_window",
                             "How long after deletion a video can still be restored.",
                             "An interval such as '30 days'; 0 means deletions are final.",
                             &restore_window_value, kDefaultRestoreWindow, PGC_SUSET, 0,
                             check_restore_window, assign_interval<&restore_window_parsed>,
                             nullptr);
  DefineCustomIntVariable("sora_credits.max_inflight_per_user",
                          "Pending and processing videos a user may have at once.",
                          "create_video_generation refuses a new video with PT429 at this "
                          "number; 0 means no limit.",
                          &max_inflight_value, 0, 0, 1000000, PGC_SUSET, 0, nullptr, nullptr,
                          nullptr);
  // Off by default: PostgreSQL serialises the commits of all notifying transactions, which
  // costs charge throughput under concurrency (docs/operations.md). SUSET: a user must not
  // be able to slow everyone's charges down.
  DefineCustomBoolVariable("sora_credits.notify_new_jobs",
                           "Send NOTIFY sora_credits_jobs for every new video job.",
                           "Workers that LISTEN then claim new jobs at once instead of at "
                           "their next poll.",
                           &notify_new_jobs_value, false, PGC_SUSET, 0, nullptr, nullptr,
                           nullptr);
  DefineCustomStringVariable("sora_credits.job_timeout",
                             "How long a video job may stay pending or processing.",
                             "expire_stale_videos() refunds jobs not updated for this long; "
                             "a positive interval such as '1 hour'.",
                             &job_timeout_value, kDefaultJobTimeout, PGC_SUSET, 0,
                             check_job_timeout, assign_interval<&job_timeout_parsed>, nullptr);
  // PGC_SIGHUP: only the background worker reads these two, from the server's configuration.
  DefineCustomStringVariable("sora_credits.expire_interval",
                             "How often the background worker expires stale video jobs.",
                             "An interval such as '1 minute'; 0 turns the worker's expiry off.",
                             &expire_interval_value, kDefaultExpireInterval, PGC_SIGHUP, 0,
                             check_expire_interval, assign_interval<&expire_interval_parsed>,
                             nullptr);
  DefineCustomStringVariable("sora_credits.databases",
                             "Databases in which the background worker expires stale jobs.",
                             "A comma-separated list of database names.", &databases_value, "",
                             PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  MarkGUCPrefixReserved("sora_credits");
}

std::int64_t signup_credits() { return signup_credits_value; }
core::BonusMoment signup_bonus_at() { return static_cast<core::BonusMoment>(signup_bonus_at_value); }
const char* restore_window_text() { return restore_window_value; }
std::int32_t max_inflight_per_user() { return max_inflight_value; }
const char* job_timeout_text() { return job_timeout_value; }
core::IntervalParts job_timeout() { return parts(*job_timeout_parsed); }
const char* expire_interval_text() { return expire_interval_value; }
std::int64_t expire_interval_ms() { return core::interval_milliseconds(parts(*expire_interval_parsed)); }
const char* expiry_databases() { return databases_value; }

std::optional<Timestamp> signup_credits_expire_at() {
  const Interval* after = signup_expire_after_parsed;
  if (after == nullptr) return std::nullopt;
  return guarded([&] {
    return DatumGetTimestampTz(
        DirectFunctionCall2(timestamptz_pl_interval,
                            TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
                            IntervalPGetDatum(after)));
  });
}

bool restore_window_passed(Timestamp deleted_at) {
  return guarded([&] {
    Datum cutoff = DirectFunctionCall2(timestamptz_mi_interval,
                                       TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
                                       IntervalPGetDatum(restore_window_parsed));
    return deleted_at < DatumGetTimestampTz(cutoff);
  });
}

}  // namespace sora::pg
