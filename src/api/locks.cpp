#include "locks.hpp"

#include "../core/messages.hpp"
#include "../core/no_postgres.hpp"  // last: see the file

// The columns of LockedVideo, as both video lock statements select them.
#define SORA_LOCKED_VIDEO_COLUMNS "status, credits_cost, video_url, deleted_at"
// The columns of LockedProfile, as every profile lock statement selects them.
#define SORA_LOCKED_PROFILE_COLUMNS "credits, lifetime_granted"

namespace sora::api {

using pg::Type;

namespace {

// A LockedVideo from the row of a video lock statement.
LockedVideo locked(const pg::Uuid& owner, std::int64_t balance, const pg::Result& row) {
  LockedVideo video;
  video.owner = owner;
  video.balance = balance;
  video.status = core::parse_status(row.text_at(0, "status"));
  video.credits_cost = row.int64_at(0, "credits_cost");
  video.video_url = row.optional_text_at(0, "video_url");
  video.deleted_at = row.optional_timestamp_at(0, "deleted_at");
  return video;
}

// A LockedProfile from the row of a profile lock statement.
LockedProfile locked_profile(const pg::Result& row) {
  return {row.int64_at(0, "credits"), row.int64_at(0, "lifetime_granted")};
}

}  // namespace

LockedProfile lock_profile(const pg::Uuid& user_id) {
  static pg::Statement lock(
      "SELECT " SORA_LOCKED_PROFILE_COLUMNS " FROM @extschema@.profiles WHERE id = $1 FOR UPDATE",
      {Type::kUuid});
  pg::Result row = lock.run({pg::param(user_id)});
  if (row.rows() == 0) throw core::messages::profile_not_found();
  return locked_profile(row);
}

LockedForCharge lock_profile_for_charge(const pg::Uuid& user_id, pg::Param model,
                                        pg::Param resolution) {
  static pg::Statement lock(
      "SELECT " SORA_LOCKED_PROFILE_COLUMNS ","
      "       (SELECT credits_per_second::bigint FROM @extschema@.video_pricing"
      "        WHERE model = $2 AND resolution = $3) AS credits_per_second "
      "FROM @extschema@.profiles WHERE id = $1 FOR UPDATE",
      {Type::kUuid, Type::kText, Type::kText});
  pg::Result row = lock.run({pg::param(user_id), model, resolution});
  if (row.rows() == 0) throw core::messages::profile_not_found();
  return {locked_profile(row), row.optional_int64_at(0, "credits_per_second")};
}

std::optional<LockedProfile> try_lock_profile(const pg::Uuid& user_id) {
  static pg::Statement lock(
      "SELECT " SORA_LOCKED_PROFILE_COLUMNS " FROM @extschema@.profiles WHERE id = $1 "
      "FOR UPDATE SKIP LOCKED",
      {Type::kUuid});
  pg::Result row = lock.run({pg::param(user_id)});
  if (row.rows() == 0) return std::nullopt;
  return locked_profile(row);
}

LockedVideo lock_video(const pg::Uuid& video_id, const std::optional<pg::Uuid>& only_owner) {
  static pg::Statement owner_of(
      "SELECT user_id FROM @extschema@.videos WHERE id = $1", {Type::kUuid});
  static pg::Statement owned_by(
      "SELECT user_id FROM @extschema@.videos WHERE id = $1 AND user_id = $2",
      {Type::kUuid, Type::kUuid});
  static pg::Statement lock(
      "SELECT " SORA_LOCKED_VIDEO_COLUMNS " FROM @extschema@.videos "
      "WHERE id = $1 AND user_id = $2 FOR UPDATE",
      {Type::kUuid, Type::kUuid});
  pg::Result found = only_owner ? owned_by.run({pg::param(video_id), pg::param(*only_owner)})
                                : owner_of.run({pg::param(video_id)});
  if (found.rows() == 0) throw core::messages::video_not_found();
  pg::Uuid owner = found.uuid_at(0, "user_id");
  std::int64_t balance = lock_profile(owner).credits;
  pg::Result row = lock.run({pg::param(video_id), pg::param(owner)});
  // Gone meanwhile: only when its owner was deleted, which cascades to the video.
  if (row.rows() == 0) throw core::messages::video_not_found();
  return locked(owner, balance, row);
}

std::optional<LockedVideo> try_lock_stale_video(const pg::Uuid& video_id, const pg::Uuid& owner,
                                                const core::IntervalParts& older_than) {
  // The staleness is checked again on the locked row: it may have moved on since it was listed.
  static pg::Statement lock(
      "SELECT " SORA_LOCKED_VIDEO_COLUMNS " FROM @extschema@.videos "
      "WHERE id = $1 AND user_id = $2 AND status IN ('pending', 'processing')"
      "  AND updated_at < $4 - $3 "
      "FOR UPDATE SKIP LOCKED",
      {Type::kUuid, Type::kUuid, Type::kInterval, Type::kTimestamptz});  // $4: now (lots.cpp)
  std::optional<LockedProfile> profile = try_lock_profile(owner);
  if (!profile) return std::nullopt;
  pg::Result row = lock.run({pg::param(video_id), pg::param(owner), pg::param(older_than),
                             pg::timestamp_param(pg::transaction_start())});
  if (row.rows() == 0) return std::nullopt;
  return locked(owner, profile->credits, row);
}

}  // namespace sora::api
