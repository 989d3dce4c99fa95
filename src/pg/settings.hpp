// The extension's settings (GUCs), defined when the library is loaded.
#pragma once

#include <cstdint>

#include "postgres.hpp"

namespace sora::pg {

void define_settings();

// sora_credits.signup_credits: credits a new user receives (default 0).
std::int64_t signup_credits();

// sora_credits.restore_window: how long a deleted video can be restored (default 30 days).
const char* restore_window_text();
// Whether a video deleted at deleted_at is past the restore window now.
bool restore_window_passed(TimestampTz deleted_at);

}  // namespace sora::pg
