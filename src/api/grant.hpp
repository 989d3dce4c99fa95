// Adding credits to a locked profile: the one write behind grant_credits and the sign-up
// bonus, so both keep the balance, the lifetime total, the ledger and the lots in step.
#pragma once

#include <cstdint>
#include <optional>

#include "../core/lots.hpp"
#include "../core/validation.hpp"
#include "../pg/spi.hpp"
#include "locks.hpp"

namespace sora::api {

struct Grant {
  std::int64_t transaction_id = 0;
  std::int64_t credits_remaining = 0;
};

// What is granted: the ledger entry's kind and amount, and the lot's category and expiry.
struct GrantTerms {
  core::GrantKind kind = core::GrantKind::kPurchase;
  std::int64_t amount = 0;
  core::Category category = core::Category::kPaid;
  std::optional<pg::Timestamp> expires_at;  // nullopt: never
};

// The caller holds the profile's lock (lock_profile) and has settled its lots (lots.hpp),
// which left the stored `balance`. Refuses (22003) an amount that would overflow the
// balance or the lifetime total.
Grant add_grant(const pg::Uuid& user, const LockedProfile& profile, std::int64_t balance,
                const GrantTerms& terms, pg::Param reference, pg::Param description);

// Whether the user has a signup_bonus entry already (at most one per user; read under the
// profile lock, with a unique index behind it).
bool has_signup_bonus(const pg::Uuid& user);

}  // namespace sora::api
