#include "messages.hpp"

#include "json.hpp"
#include "no_postgres.hpp"  // last: see the file

namespace sora::core::messages {

using namespace sqlstate;

Error not_authenticated() {
  return Error(kNotAuthenticated, "Not signed in: this action needs an authenticated user.",
               {}, "Sign in and call again with the user's access token.");
}

Error foreign_credit_info() {
  return Error(kForbidden, "You can only view your own credit information.");
}

Error user_id_required() {
  return Error(kInvalidParameter, "p_user_id is required when no user is signed in.");
}

Error profile_not_found() {
  return Error(kNotFound, "No credit account exists for this user.");
}

Error video_not_found() { return Error(kNotFound, "Video not found."); }

Error insufficient_credits(std::int64_t credits, std::int64_t required) {
  std::string message = "Insufficient credits. You have " + std::to_string(credits) +
                        " credits, but need " + std::to_string(required) + " credits.";
  std::string detail = JsonObject()
                           .integer("credits", credits)
                           .integer("required", required)
                           .integer("shortfall", required - credits)
                           .str();
  return Error(kInsufficientCredits, std::move(message), std::move(detail),
               "Buy more credits, or choose a shorter video or a lower resolution.");
}

Error idempotency_mismatch() {
  return Error(kIdempotencyMismatch,
               "This idempotency key was already used for a different video request.", {},
               "Use a new idempotency key for a new request.");
}

Error reference_mismatch() {
  return Error(kIdempotencyMismatch,
               "This reference was already used for a different grant.", {},
               "Use a new reference for a new payment.");
}

Error claim_result_cut() {
  return Error(kInvalidParameter,
               "claim_video_jobs must return every job it claims: call it without a limit, "
               "offset or filter on its result.",
               {},
               "Ask for the number of jobs with p_limit. Through PostgREST, send no limit, "
               "offset, Range header or row filter with /rpc/claim_video_jobs.");
}

Error signup_bonus_already_granted() {
  return Error(kConflict, "This user has already received the sign-up bonus.", {},
               "A user gets one sign-up bonus; use the kind grant for other gifts.");
}

Error unknown_price(std::string_view model, std::string_view resolution) {
  return Error(kInvalidParameter,
               "p_model and p_resolution: there is no price for model \"" + std::string(model) +
                   "\" at resolution \"" + std::string(resolution) + "\".",
               {}, "The table video_pricing lists the models and resolutions on offer.");
}

Error restore_window_passed(std::string_view window) {
  return Error(kGone,
               "This video was deleted more than " + std::string(window) +
                   " ago and can no longer be restored.");
}

Error too_many_in_flight(std::int64_t in_flight, std::int64_t limit) {
  std::string message = "Too many videos in progress: " + std::to_string(in_flight) +
                        (in_flight == 1 ? " of your videos is" : " of your videos are") +
                        " still being generated, and the limit is " + std::to_string(limit) +
                        " at a time.";
  std::string detail = JsonObject().integer("in_flight", in_flight).integer("limit", limit).str();
  return Error(kTooManyInFlight, std::move(message), std::move(detail),
               "Wait until one of your videos is finished, then ask again.");
}

Error argument_required(std::string_view name) {
  return Error(kInvalidParameter, std::string(name) + " is required.");
}

Error argument_blank(std::string_view name) {
  return Error(kInvalidParameter, std::string(name) + " must not be empty.");
}

Error argument_too_long(std::string_view name, std::size_t max_chars) {
  return Error(kInvalidParameter, std::string(name) + " must be at most " +
                                      std::to_string(max_chars) + " characters.");
}

Error duration_out_of_range(std::int32_t min, std::int32_t max) {
  return Error(kInvalidParameter, "p_duration_seconds must be between " + std::to_string(min) +
                                      " and " + std::to_string(max) + " seconds.");
}

Error amount_not_positive() {
  return Error(kInvalidParameter, "p_amount must be a positive number of credits.");
}

Error grant_kind_unknown() {
  return Error(kInvalidParameter, "p_kind must be one of purchase, grant, adjustment, signup_bonus.");
}

Error category_unknown() {
  return Error(kInvalidParameter, "p_category must be paid or promotional.");
}

Error expiry_not_in_future() {
  return Error(kInvalidParameter, "p_expires_at must be in the future.",
               {}, "Give NULL for credits that never expire.");
}

Error url_not_http() {
  return Error(kInvalidParameter, "p_video_url must be an http:// or https:// URL.");
}

Error claim_limit_out_of_range(std::int32_t max) {
  return Error(kInvalidParameter, "p_limit must be between 1 and " + std::to_string(max) + ".");
}

Error older_than_invalid(std::string_view problem) {
  return Error(kInvalidParameter, "p_older_than " + std::string(problem) + ".", {},
               "Pass how long a job may stay pending or processing, such as '1 hour', or "
               "NULL for sora_credits.job_timeout.");
}

Error price_not_computable() {
  return Error(kOutOfRange, "The price of this video cannot be computed.");
}

Error balance_would_overflow() {
  return Error(kOutOfRange, "This amount would exceed the largest balance an account can hold.");
}

Error completed_not_refundable() {
  return Error(kConflict, "This video was completed and cannot be refunded.");
}

Error failed_not_completable() {
  return Error(kConflict, "This video failed and its credits were refunded; it cannot be completed.");
}

Error completed_with_other_url() {
  return Error(kConflict, "This video is already completed with a different URL.");
}

Error direct_change_refused(std::string_view table) {
  return Error(kForbidden,
               std::string(table) + " can be changed only through the sora_credits functions.",
               {},
               "Credits are added with grant_credits(), spent with create_video_generation() "
               "and given back with refund_video_credits(); a correction is a grant of kind "
               "adjustment.");
}

Error ledger_change_refused() {
  return Error(kForbidden, "credit_transactions is append-only: ledger entries cannot be changed",
               {}, "The ledger only grows: a correction is a new entry, never an edit.");
}

Error ledger_delete_refused() {
  return Error(kForbidden, "credit_transactions is append-only: ledger entries cannot be deleted",
               {}, "Ledger entries go away only with their user: delete the user from auth.users.");
}

Error schema_drop_refused() {
  return Error(kForbidden,
               "sora_credits: only a superuser may drop the schema that holds the credit ledger",
               {}, "Ask a superuser; DROP EXTENSION sora_credits is the way to remove it all.");
}

Error not_called_as_trigger() {
  return Error(kTriggerProtocolViolated,
               "sora_credits: trigger functions can only be called as triggers");
}

Error not_called_as_event_trigger() {
  return Error(kTriggerProtocolViolated,
               "sora_credits: event trigger functions can only be called as event triggers");
}

Error signup_trigger_misattached() {
  return Error(kTriggerProtocolViolated,
               "sora_credits: handle_new_user must be an AFTER INSERT or UPDATE FOR EACH ROW trigger");
}

Error write_guard_misattached() {
  return Error(kTriggerProtocolViolated,
               "sora_credits: a write guard must be a BEFORE trigger, per row or for TRUNCATE");
}

Error ledger_guard_without_users() {
  return Error(kTriggerProtocolViolated, "sora_credits: guard_ledger takes the OID of auth.users");
}

Error primary_key_not_one_uuid(std::string_view table) {
  return Error(kWrongObjectType,
               "sora_credits: the primary key of " + std::string(table) + " is not one uuid column");
}

std::string_view statement_result() { return "a statement's result"; }

std::string table(std::string_view name) { return "table " + std::string(name); }

Error column_missing(std::string_view where, std::string_view column) {
  return Error(kUndefinedColumn, "sora_credits: " + std::string(where) + " has no column \"" +
                                     std::string(column) + "\"");
}

Error column_type_mismatch(std::string_view where, std::string_view column,
                           std::string_view actual, std::string_view expected) {
  return Error(kDatatypeMismatch, "sora_credits: column \"" + std::string(column) + "\" of " +
                                      std::string(where) + " is of type " + std::string(actual) +
                                      ", not " + std::string(expected));
}

Error column_null(std::string_view where, std::string_view column) {
  return Error(kNotNullViolation, "sora_credits: column \"" + std::string(column) + "\" of " +
                                      std::string(where) + " is NULL");
}

Error row_missing() {
  return Error(kNoDataFound, "sora_credits: a statement returned no row where one was required",
               {}, "A trigger or rule on the extension's tables may have skipped a change.");
}

Error status_unknown(std::string_view status) {
  return Error(kCheckViolation,
               "sora_credits: a video has the unknown status \"" + std::string(status) + "\"");
}

std::string charge_description(std::string_view model, std::string_view resolution,
                               std::int32_t duration_seconds) {
  return "Video generation: " + std::string(model) + " " + std::string(resolution) + ", " +
         std::to_string(duration_seconds) + " s";
}

std::string refund_description(std::string_view reason) {
  return "Refund: " + std::string(reason);
}

std::string grant_description(GrantKind kind) {
  switch (kind) {
    case GrantKind::kPurchase: return "Credits purchased";
    case GrantKind::kGrant: return "Credits granted";
    case GrantKind::kAdjustment: return "Balance adjustment";
    case GrantKind::kSignupBonus: return signup_description();
  }
  return "Credits granted";
}

std::string signup_description() { return "Sign-up bonus"; }

std::string lot_expiry_description(std::int64_t lot_id, std::string_view category) {
  return "Credits expired (lot " + std::to_string(lot_id) + ", " + std::string(category) + ")";
}

std::string default_refund_reason() { return "Video generation failed."; }

std::string expiry_reason() {
  return "Timed out: the video was not generated in time, so its credits were refunded.";
}

namespace {

std::string quoted(std::string_view name) { return "\"" + std::string(name) + "\""; }

}  // namespace

std::string expiry_done(std::string_view database, std::int64_t expired,
                        std::int64_t credits_refunded, std::string_view job_timeout) {
  return "sora_credits: expired " + std::to_string(expired) +
         (expired == 1 ? " stale video job" : " stale video jobs") + " in database " +
         quoted(database) + " and refunded " + std::to_string(credits_refunded) +
         " credits (sora_credits.job_timeout = " + std::string(job_timeout) + ")";
}

std::string credits_expired(std::string_view database, std::int64_t lots, std::int64_t credits) {
  return "sora_credits: expired " + std::to_string(credits) + " credits left in " +
         std::to_string(lots) + (lots == 1 ? " credit lot" : " credit lots") + " in database " +
         quoted(database);
}

std::string expiry_skipped_no_database(std::string_view database) {
  return "sora_credits: skipped database " + quoted(database) +
         " listed in sora_credits.databases: it does not exist";
}

std::string expiry_skipped_no_extension(std::string_view database) {
  return "sora_credits: skipped database " + quoted(database) +
         ": the sora_credits extension is not installed there (CREATE EXTENSION "
         "sora_credits, or remove the database from sora_credits.databases)";
}

std::string expiry_skipped_old_version(std::string_view database, std::string_view version) {
  return "sora_credits: skipped database " + quoted(database) + ": sora_credits is at version " +
         std::string(version) + ", and stale jobs expire from version 1.1 on (ALTER EXTENSION "
         "sora_credits UPDATE)";
}

std::string expiry_not_started(std::string_view database) {
  return "sora_credits: could not start the expiry worker for database " + quoted(database) +
         " (all max_worker_processes slots are taken); trying again next interval";
}

std::string expiry_schedule(std::string_view interval, std::string_view databases) {
  return "sora_credits: expiring stale video jobs every " + std::string(interval) + " in " +
         std::string(databases);
}

std::string expiry_idle(bool interval_off) {
  return interval_off ? "sora_credits: stale-job expiry is off (sora_credits.expire_interval = 0)"
                      : "sora_credits: stale-job expiry is idle: sora_credits.databases is empty";
}

std::string expiry_stopping() { return "sora_credits: expiry worker stopping"; }

}  // namespace sora::core::messages
