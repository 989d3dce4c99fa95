// The life of a video job: pending -> processing -> completed, or -> failed (refunded).
#pragma once

#include <string_view>

namespace sora::core {

enum class VideoStatus { kPending, kProcessing, kCompleted, kFailed };

VideoStatus parse_status(std::string_view text);  // throws on a value the table cannot hold
std::string_view status_name(VideoStatus status) noexcept;

enum class Transition { kApply, kAlreadyDone };

// Refund: failed means already refunded; completed cannot be refunded (PT409).
Transition refund_transition(VideoStatus status);

// Completion: a repeated callback with the same URL is a no-op; failed (refunded) or a
// different URL for a completed video is a conflict (PT409).
Transition complete_transition(VideoStatus status, bool same_url);

}  // namespace sora::core
