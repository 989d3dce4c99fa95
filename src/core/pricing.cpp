#include "pricing.hpp"

#include "messages.hpp"
#include "no_postgres.hpp"  // last: see the file

namespace sora::core {

std::int64_t video_cost(std::int64_t credits_per_second, std::int32_t duration_seconds) {
  std::int64_t cost = 0;
  if (__builtin_mul_overflow(credits_per_second, duration_seconds, &cost) || cost <= 0) {
    throw messages::price_not_computable();
  }
  return cost;
}

void require_balance(std::int64_t credits, std::int64_t cost) {
  if (credits < cost) throw messages::insufficient_credits(credits, cost);
}

void require_room_for(std::int64_t amount, std::int64_t balance) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(balance, amount, &sum)) {
    throw messages::balance_would_overflow();
  }
}

}  // namespace sora::core
