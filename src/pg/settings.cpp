#include "settings.hpp"

#include <cstdlib>

#include "guard.hpp"

namespace sora::pg {

namespace {

int signup_credits_value = 0;
char* restore_window_value = nullptr;
const Interval* restore_window_parsed = nullptr;

constexpr const char* kDefaultRestoreWindow = "30 days";

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

bool check_restore_window(char** newval, void** extra, GucSource) {
  Interval parsed;
  if (*newval == nullptr || !parse_interval(*newval, &parsed)) {
    GUC_check_errdetail("sora_credits.restore_window must be an interval such as '30 days'.");
    return false;
  }
  if (parsed.month < 0 || parsed.day < 0 || parsed.time < 0) {
    GUC_check_errdetail("sora_credits.restore_window must not be negative.");
    return false;
  }
  // GUC extra data is malloc'd and freed by the GUC machinery.
  auto* copy = static_cast<Interval*>(std::malloc(sizeof(Interval)));
  if (copy == nullptr) return false;
  *copy = parsed;
  *extra = copy;
  return true;
}

void assign_restore_window(const char*, void* extra) {
  restore_window_parsed = static_cast<const Interval*>(extra);
}

}  // namespace

void define_settings() {
  // PGC_SUSET: only a superuser (or ALTER ROLE/DATABASE by one) may change these. A user who
  // could raise the sign-up bonus in their own session could mint credits.
  DefineCustomIntVariable("sora_credits.signup_credits",
                          "Credits a new user receives when their account is created.",
                          "A positive bonus is written to the ledger as a signup_bonus entry.",
                          &signup_credits_value, 0, 0, 1000000000, PGC_SUSET, 0, nullptr,
                          nullptr, nullptr);
  DefineCustomStringVariable("sora_credits.restore_window",
                             "How long after deletion a video can still be restored.",
                             "An interval such as '30 days'; 0 means deletions are final.",
                             &restore_window_value, kDefaultRestoreWindow, PGC_SUSET, 0,
                             check_restore_window, assign_restore_window, nullptr);
  MarkGUCPrefixReserved("sora_credits");
}

std::int64_t signup_credits() { return signup_credits_value; }
const char* restore_window_text() { return restore_window_value; }

bool restore_window_passed(TimestampTz deleted_at) {
  return guarded([&] {
    Datum cutoff = DirectFunctionCall2(timestamptz_mi_interval,
                                       TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
                                       IntervalPGetDatum(restore_window_parsed));
    return deleted_at < DatumGetTimestampTz(cutoff);
  });
}

}  // namespace sora::pg
