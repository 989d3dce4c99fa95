// Argument rules of the API: every bad input is refused with 22023 naming the parameter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sora::core {

// A text argument as SQL passes it: nullopt is SQL NULL.
using OptionalText = std::optional<std::string_view>;

namespace limits {
inline constexpr std::size_t kPromptMaxChars = 4000;
inline constexpr std::int32_t kDurationMin = 1;
inline constexpr std::int32_t kDurationMax = 60;
inline constexpr std::size_t kNameMaxChars = 64;          // model, resolution
inline constexpr std::size_t kKeyMaxChars = 255;          // idempotency keys, payment references
inline constexpr std::size_t kUrlMaxChars = 2048;
inline constexpr std::size_t kDescriptionMaxChars = 1000; // grant descriptions, refund reasons
inline constexpr std::int32_t kClaimMax = 100;
}  // namespace limits

struct VideoRequest {
  OptionalText prompt;
  std::optional<std::int32_t> duration_seconds;
  OptionalText resolution;
  OptionalText model;
  OptionalText idempotency_key;  // optional: NULL means "no replay protection"
};

void validate(const VideoRequest& request);

enum class GrantKind { kPurchase, kGrant, kAdjustment, kSignupBonus };
std::string_view kind_name(GrantKind kind) noexcept;

struct GrantRequest {
  bool has_user_id = false;
  std::optional<std::int64_t> amount;
  OptionalText kind;
  OptionalText reference;    // optional idempotency reference of the payment
  OptionalText description;  // optional
};

// Returns the parsed kind.
GrantKind validate(const GrantRequest& request);

void require_video_id(bool present);
void validate_video_url(OptionalText url);
void validate_claim_limit(std::optional<std::int32_t> limit);

// The reason stored with a refund: a default when none is given, and cut to the
// description limit rather than refused, so a worker's refund never fails on its text.
std::string refund_reason(OptionalText reason);

}  // namespace sora::core
