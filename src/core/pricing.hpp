// Money rules: the price of a video, the balance check, safe additions to a balance.
#pragma once

#include <cstdint>

namespace sora::core {

// credits_per_second * duration_seconds, refused (22003) if it cannot be represented.
std::int64_t video_cost(std::int64_t credits_per_second, std::int32_t duration_seconds);

// Throws PT402 with the contract's message, DETAIL and HINT when credits < cost.
void require_balance(std::int64_t credits, std::int64_t cost);

// balance + amount, refused (22003) instead of overflowing a bigint.
std::int64_t add_credits(std::int64_t balance, std::int64_t amount);

}  // namespace sora::core
