// Every sentence a person can read from the API (errors and ledger descriptions), in one place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "error.hpp"
#include "validation.hpp"

namespace sora::core::messages {

Error not_authenticated();
Error foreign_credit_info();
Error user_id_required();
Error profile_not_found();
Error video_not_found();
Error insufficient_credits(std::int64_t credits, std::int64_t required);
Error idempotency_mismatch();
Error reference_mismatch();
Error unknown_price(std::string_view model, std::string_view resolution);
Error restore_window_passed(std::string_view window);

std::string charge_description(std::string_view model, std::string_view resolution,
                               std::int32_t duration_seconds);
std::string refund_description(std::string_view reason);
std::string grant_description(GrantKind kind);
std::string signup_description();

}  // namespace sora::core::messages
