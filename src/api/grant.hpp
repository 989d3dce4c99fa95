// Adding credits to a locked profile: the one write behind grant_credits and the sign-up
// bonus, so both keep the balance, the lifetime total and the ledger in step.
#pragma once

#include <cstdint>

#include "../pg/spi.hpp"
#include "locks.hpp"

namespace sora::api {

struct Grant {
  std::int64_t transaction_id = 0;
  std::int64_t credits_remaining = 0;
};

// The caller holds the profile's lock (lock_profile). Refuses (22003) an amount that would
// overflow the balance or the lifetime total.
Grant add_grant(const pg::Uuid& user, const LockedProfile& profile, std::int64_t amount,
                pg::Param kind, pg::Param reference, pg::Param description);

// Whether the user has a signup_bonus entry already (at most one per user; read under the
// profile lock, with a unique index behind it).
bool has_signup_bonus(const pg::Uuid& user);

}  // namespace sora::api
