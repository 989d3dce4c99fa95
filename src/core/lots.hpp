// Credit lots (1.2): the rules of granting a lot, and the split of a charge over a user's
// live lots.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "validation.hpp"

namespace sora::core {

enum class Category { kPaid, kPromotional };
std::string_view category_name(Category category) noexcept;

// The category of a granted lot: p_category when given (paid or promotional, else 22023),
// otherwise paid for purchase and adjustment, promotional for grant and signup_bonus.
Category grant_category(GrantKind kind, OptionalText category);

// p_expires_at: NULL (never) or later than now, the transaction's start (else 22023).
// Microseconds, as the server keeps timestamps.
void require_future_expiry(std::optional<std::int64_t> expires_at, std::int64_t now);

// A lot with credits left that can still be spent.
struct LiveLot {
  std::int64_t id = 0;
  std::int64_t remaining = 0;
};

// Credits taken from (or returned to) one lot.
struct Take {
  std::int64_t lot_id = 0;
  std::int64_t amount = 0;
  bool operator==(const Take& other) const {
    return lot_id == other.lot_id && amount == other.amount;
  }
};

// The credits the lots hold together.
std::int64_t spendable(const std::vector<LiveLot>& lots) noexcept;

// The split of a charge of `cost` over lots given in spending order: as much as possible from
// each lot before the next, one Take per lot touched. The caller checked that the lots hold
// at least `cost` (require_balance on spendable()).
std::vector<Take> split_charge(const std::vector<LiveLot>& lots, std::int64_t cost);

}  // namespace sora::core
