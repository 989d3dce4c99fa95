#include "expire.hpp"

#include <optional>
#include <string>

#include "../core/intervals.hpp"
#include "../core/json.hpp"
#include "../core/messages.hpp"
#include "../pg/args.hpp"
#include "../pg/settings.hpp"
#include "api.hpp"
#include "locks.hpp"
#include "lots.hpp"
#include "refund.hpp"
#include "../core/no_postgres.hpp"  // last: see the file

namespace sora::api {

using pg::Type;

Expiry expire_stale(const core::IntervalParts& older_than) {
  // Listed without locks, in the order of videos_inflight_updated_idx (2.0), which holds
  // only jobs in flight: read up to the cut-off, it yields just the stale ones (at 1.x,
  // every job in flight). Each is then locked, profile first, without waiting, and checked
  // again (locks.hpp).
  static pg::Statement stale(
      "SELECT id, user_id FROM @extschema@.videos "
      "WHERE status IN ('pending', 'processing') AND updated_at < $2 - $1 "
      "ORDER BY updated_at, id",
      {Type::kInterval, Type::kTimestamptz});  // $2: now, as in settle_lots (lots.cpp)
  pg::Result jobs =
      stale.run({pg::param(older_than), pg::timestamp_param(pg::transaction_start())});
  std::string reason = core::messages::expiry_reason();
  Expiry expiry;
  for (std::uint64_t i = 0; i < jobs.rows(); ++i) {
    pg::Uuid video_id = jobs.uuid_at(i, "id");
    std::optional<LockedVideo> video =
        try_lock_stale_video(video_id, jobs.uuid_at(i, "user_id"), older_than);
    if (!video) continue;
    expiry.credits_refunded += refund_locked(video_id, *video, reason).credits_refunded;
    ++expiry.expired;
  }
  return expiry;
}

Datum expire_stale_videos(FunctionCallInfo fcinfo) {
  std::optional<core::IntervalParts> older_than = pg::read_interval(fcinfo, 0);
  if (older_than) core::validate_older_than(*older_than);
  core::IntervalParts limit = older_than ? *older_than : pg::job_timeout();
  pg::spi_begin(fcinfo);
  Expiry expiry = expire_stale(limit);
  pg::spi_end();
  return pg::jsonb_result(core::JsonObject()
                              .integer("expired", expiry.expired)
                              .integer("credits_refunded", expiry.credits_refunded)
                              .str());
}

Datum expire_credits(FunctionCallInfo fcinfo) {
  pg::spi_begin(fcinfo);
  LotExpiry expiry = expire_due_lots();
  pg::spi_end();
  return pg::jsonb_result(core::JsonObject()
                              .integer("lots_expired", expiry.lots_expired)
                              .integer("credits_expired", expiry.credits_expired)
                              .str());
}

}  // namespace sora::api
