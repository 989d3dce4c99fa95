// Every sentence a person can read from the extension (errors, ledger descriptions, log
// lines), in one place. The one exception: the DETAIL of a refused setting, written by the
// check hooks of src/pg/settings.cpp, which run outside any error boundary and so build no
// C++ strings; they complete the rule phrases of intervals.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "error.hpp"
#include "validation.hpp"

namespace sora::core::messages {

Error not_authenticated();
Error foreign_credit_info();
Error user_id_required();
Error profile_not_found();
Error video_not_found();
Error insufficient_credits(std::int64_t credits, std::int64_t required);
Error idempotency_mismatch();
Error reference_mismatch();
Error signup_bonus_already_granted();
// claim_video_jobs called where its result could be cut (22023).
Error claim_result_cut();
Error unknown_price(std::string_view model, std::string_view resolution);
Error restore_window_passed(std::string_view window);
Error too_many_in_flight(std::int64_t in_flight, std::int64_t limit);
// Arguments (22023), named as the SQL function names them.
Error argument_required(std::string_view name);
Error argument_blank(std::string_view name);
Error argument_too_long(std::string_view name, std::size_t max_chars);
Error duration_out_of_range(std::int32_t min, std::int32_t max);
Error amount_not_positive();
Error grant_kind_unknown();
Error category_unknown();
Error expiry_not_in_future();
Error url_not_http();
Error claim_limit_out_of_range(std::int32_t max);
Error older_than_invalid(std::string_view problem);  // problem: interval_problem()'s phrase
// Money (22003).
Error price_not_computable();
Error balance_would_overflow();
// The video state machine (PT409).
Error completed_not_refundable();
Error failed_not_completable();
Error completed_with_other_url();
// The write guards on profiles, videos and credit_transactions (42501).
Error direct_change_refused(std::string_view table);
Error ledger_change_refused();
Error ledger_delete_refused();
// The event trigger that keeps the extension's schema from being dropped (42501).
Error schema_drop_refused();
// Trigger functions attached the wrong way (39P01), or to a table without the key (42809).
Error not_called_as_trigger();
Error not_called_as_event_trigger();
Error signup_trigger_misattached();
Error write_guard_misattached();
Error ledger_guard_without_users();
Error primary_key_not_one_uuid(std::string_view table);
// A row read by name (src/pg) that is not what the functions rely on: `where` is
// statement_result() or table(name).
std::string_view statement_result();
std::string table(std::string_view name);
Error column_missing(std::string_view where, std::string_view column);        // 42703
Error column_type_mismatch(std::string_view where, std::string_view column,  // 42804
                           std::string_view actual, std::string_view expected);
Error column_null(std::string_view where, std::string_view column);           // 23502
Error row_missing();                                                           // P0002
Error status_unknown(std::string_view status);                                 // 23514

std::string charge_description(std::string_view model, std::string_view resolution,
                               std::int32_t duration_seconds);
std::string refund_description(std::string_view reason);
std::string grant_description(GrantKind kind);
std::string signup_description();
// The description of the ledger entry that writes off what was left in an expired lot.
std::string lot_expiry_description(std::int64_t lot_id, std::string_view category);
// The error_message of a video refunded without a reason.
std::string default_refund_reason();
// The error_message of a video refunded by expire_stale_videos.
std::string expiry_reason();

// Log lines of the expiry background worker, for operators.
std::string expiry_done(std::string_view database, std::int64_t expired,
                        std::int64_t credits_refunded, std::string_view job_timeout);
std::string credits_expired(std::string_view database, std::int64_t lots, std::int64_t credits);
std::string expiry_skipped_no_database(std::string_view database);
std::string expiry_skipped_no_extension(std::string_view database);
std::string expiry_skipped_old_version(std::string_view database, std::string_view version);
std::string expiry_not_started(std::string_view database);
std::string expiry_schedule(std::string_view interval, std::string_view databases);
std::string expiry_idle(bool interval_off);
std::string expiry_stopping();

}  // namespace sora::core::messages
