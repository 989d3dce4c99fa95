// The refund of one video, shared by refund_video_credits and expire_stale_videos, so that
// an expired job is refunded exactly like a job the worker reports as failed: the video is
// marked failed with the reason, the owner gets its cost back, and one refund entry is
// written (or nothing happens when it was refunded before).
#pragma once

#include <cstdint>
#include <string>

#include "locks.hpp"

namespace sora::api {

struct Refund {
  std::int64_t credits_refunded = 0;  // 0 when it was refunded before
  std::int64_t credits_remaining = 0;
  std::int64_t transaction_id = 0;    // the refund entry, new or earlier
  bool already_refunded = false;
};

// The video and its owner's profile must be locked (locks.hpp). PT409 for a completed video.
Refund refund_locked(const pg::Uuid& video_id, const LockedVideo& video, const std::string& reason);

}  // namespace sora::api
