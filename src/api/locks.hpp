// Locking, shared by every function that changes a user's credits or videos.
// Lock order is always: the owner's profile row, then the video row. No mix of calls
// can therefore deadlock, and the balance read, the checks and the writes form one
// critical section.
#pragma once

#include <cstdint>

#include "../pg/spi.hpp"

namespace sora::api {

// SELECT ... FOR UPDATE of the profile; returns the balance. PT404 without a profile.
std::int64_t lock_profile(const pg::Uuid& user_id);

struct LockedVideo {
  pg::Uuid owner;
  std::int64_t balance = 0;  // the owner's credits, read under the profile lock
  pg::Result row;            // status, credits_cost, video_url, deleted_at (see videos.cpp)
};

// Finds the video's owner, locks the owner's profile, then the video. PT404 when the video
// does not exist, or when only_owner is set and it belongs to someone else (the same
// message either way, so ids of other users' videos cannot be probed).
LockedVideo lock_video(const pg::Uuid& video_id, const pg::Uuid* only_owner);

}  // namespace sora::api
