// Money rules: the price of a video, the balance check, the room left in a balance.
#pragma once

#include <cstdint>

namespace sora::core {

// credits_per_second * duration_seconds, refused (22003) if it cannot be represented.
std::int64_t video_cost(std::int64_t credits_per_second, std::int32_t duration_seconds);

// Throws PT402 with the contract's message, DETAIL and HINT when credits < cost.
void require_balance(std::int64_t credits, std::int64_t cost);

// Refuses (22003) an amount that would not fit into the balance: balance + amount must be a
// bigint. The sum itself is the database's to compute, in the statement that writes it.
void require_room_for(std::int64_t amount, std::int64_t balance);

}  // namespace sora::core
