// Holds that release themselves: refunding the jobs that stayed pending or processing too
// long. One routine serves the SQL function expire_stale_videos and the background worker.
#pragma once

#include <cstdint>

#include "../core/intervals.hpp"

namespace sora::api {

struct Expiry {
  std::int64_t expired = 0;
  std::int64_t credits_refunded = 0;
};

// Refunds, in the current transaction, every pending or processing video whose updated_at is
// older than now() - older_than and that no other transaction holds (SKIP LOCKED). SPI must be
// connected and bound to the extension's schema.
Expiry expire_stale(const core::IntervalParts& older_than);

}  // namespace sora::api
