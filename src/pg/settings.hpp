// The extension's settings (GUCs), defined when the library is loaded.
#pragma once

#include <cstdint>
#include <optional>

#include "../core/intervals.hpp"
#include "../core/signup.hpp"
#include "types.hpp"

namespace sora::pg {

void define_settings();

// sora_credits.signup_credits: credits a new user receives (default 0).
std::int64_t signup_credits();
// sora_credits.signup_bonus_at: confirmation (default) or signup.
core::BonusMoment signup_bonus_at();
// sora_credits.signup_credits_expire_after (default empty: never): when a bonus granted now
// expires, or nullopt.
std::optional<Timestamp> signup_credits_expire_at();

// sora_credits.restore_window: how long a deleted video can be restored (default 30 days).
const char* restore_window_text();
// Whether a video deleted at deleted_at is past the restore window now.
bool restore_window_passed(Timestamp deleted_at);

// sora_credits.max_inflight_per_user: pending + processing videos a user may have (0: no limit).
std::int32_t max_inflight_per_user();

// sora_credits.job_timeout: how long a job may stay pending or processing before
// expire_stale_videos refunds it (default 1 hour; always positive).
const char* job_timeout_text();
core::IntervalParts job_timeout();

// sora_credits.expire_interval: how often the background worker expires stale jobs
// (default 1 minute; 0 = off). Read by the worker after each configuration reload.
const char* expire_interval_text();
// 0 when off.
std::int64_t expire_interval_ms();

// sora_credits.databases: the databases the background worker visits (comma-separated).
const char* expiry_databases();

}  // namespace sora::pg
