#include "lots.hpp"

#include <algorithm>
#include <stdexcept>

#include "messages.hpp"
#include "no_postgres.hpp"  // last: see the file

namespace sora::core {

std::string_view category_name(Category category) noexcept {
  return category == Category::kPromotional ? "promotional" : "paid";
}

Category grant_category(GrantKind kind, OptionalText category) {
  if (!category) {
    return kind == GrantKind::kGrant || kind == GrantKind::kSignupBonus ? Category::kPromotional
                                                                         : Category::kPaid;
  }
  for (Category c : {Category::kPaid, Category::kPromotional}) {
    if (*category == category_name(c)) return c;
  }
  throw messages::category_unknown();
}

void require_future_expiry(std::optional<std::int64_t> expires_at, std::int64_t now) {
  if (expires_at && *expires_at <= now) throw messages::expiry_not_in_future();
}

std::int64_t spendable(const std::vector<LiveLot>& lots) noexcept {
  // Cannot overflow: the lots' credits add up to the user's balance, a bigint.
  std::int64_t total = 0;
  for (const LiveLot& lot : lots) total += lot.remaining;
  return total;
}

std::vector<Take> split_charge(const std::vector<LiveLot>& lots, std::int64_t cost) {
  std::vector<Take> takes;
  std::int64_t left = cost;
  for (const LiveLot& lot : lots) {
    if (left == 0) break;
    std::int64_t take = std::min(left, lot.remaining);
    if (take <= 0) continue;
    takes.push_back({lot.id, take});
    left -= take;
  }
  if (left != 0) throw std::logic_error("sora_credits: a charge split over lots that hold too little");
  return takes;
}

}  // namespace sora::core
