// Locking, shared by every function that changes a user's credits or videos.
// Lock order is always: the owner's profile row, then the video row. No mix of calls
// can therefore deadlock, and the balance read, the checks and the writes form one
// critical section.
#pragma once

#include <cstdint>
#include <optional>

#include <string>

#include "../core/intervals.hpp"
#include "../core/video_state.hpp"
#include "../pg/spi.hpp"

namespace sora::api {

// The figures of a profile read under its lock.
struct LockedProfile {
  std::int64_t credits = 0;
  std::int64_t lifetime_granted = 0;
};

// SELECT ... FOR UPDATE of the profile. PT404 without a profile.
LockedProfile lock_profile(const pg::Uuid& user_id);

// The same lock for a charge, which reads the price of its model and resolution in the same
// statement (one statement less on the hot path): nullopt when there is no such price.
// Prices are not under the profile lock; the one read is the one the statement started with.
struct LockedForCharge {
  LockedProfile profile;
  std::optional<std::int64_t> credits_per_second;
};
LockedForCharge lock_profile_for_charge(const pg::Uuid& user_id, pg::Param model,
                                        pg::Param resolution);
// The same without waiting (SKIP LOCKED): nullopt when another transaction holds it (or the
// profile is gone), for the sweeps, which try again next time.
std::optional<LockedProfile> try_lock_profile(const pg::Uuid& user_id);

// A video read under its lock, with its owner's balance read under the profile lock.
struct LockedVideo {
  pg::Uuid owner;
  std::int64_t balance = 0;
  core::VideoStatus status = core::VideoStatus::kPending;
  std::int64_t credits_cost = 0;
  std::optional<std::string> video_url;
  std::optional<pg::Timestamp> deleted_at;
};

// Finds the video's owner, locks the owner's profile, then the video. PT404 when the video
// does not exist, or when only_owner is set and it belongs to someone else (the same
// message either way, so ids of other users' videos cannot be probed). Every statement
// names the owner, once known: on a cluster, only_owner keeps the whole call on the
// owner's shard; without it, the owner is looked up by the video id on every shard.
LockedVideo lock_video(const pg::Uuid& video_id, const std::optional<pg::Uuid>& only_owner);

// For expire_stale_videos: the same locks in the same order, but never waiting. Locks the
// owner's profile, then the video if it is still pending or processing and not updated for
// older_than, each with SKIP LOCKED; nullopt when either is locked by another transaction
// (another scheduler has it, or its owner is busy: it is tried again next time) or when the
// video is no longer stale.
std::optional<LockedVideo> try_lock_stale_video(const pg::Uuid& video_id, const pg::Uuid& owner,
                                                const core::IntervalParts& older_than);

}  // namespace sora::api
