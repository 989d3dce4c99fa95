#include "validation.hpp"

#include "error.hpp"
#include "text.hpp"
#include "no_postgres.hpp"  // last: see the file

namespace sora::core {

namespace {

[[noreturn]] void invalid(std::string message) {
  throw Error(sqlstate::kInvalidParameter, std::move(message));
}

// A required text argument: present, not blank, at most max_chars characters.
void require_text(const char* name, OptionalText value, std::size_t max_chars) {
  if (!value) invalid(std::string(name) + " is required.");
  if (is_blank(*value)) invalid(std::string(name) + " must not be empty.");
  if (utf8_length(*value) > max_chars) {
    invalid(std::string(name) + " must be at most " + std::to_string(max_chars) + " characters.");
  }
}

// An optional text argument: NULL is fine, but a given value obeys the same rules.
void optional_text(const char* name, OptionalText value, std::size_t max_chars) {
  if (value) require_text(name, value, max_chars);
}

}  // namespace

void validate(const VideoRequest& request) {
  require_text("p_prompt", request.prompt, limits::kPromptMaxChars);
  if (!request.duration_seconds) invalid("p_duration_seconds is required.");
  if (*request.duration_seconds < limits::kDurationMin ||
      *request.duration_seconds > limits::kDurationMax) {
    invalid("p_duration_seconds must be between " + std::to_string(limits::kDurationMin) +
            " and " + std::to_string(limits::kDurationMax) + " seconds.");
  }
  require_text("p_resolution", request.resolution, limits::kNameMaxChars);
  require_text("p_model", request.model, limits::kNameMaxChars);
  optional_text("p_idempotency_key", request.idempotency_key, limits::kKeyMaxChars);
}

std::string_view kind_name(GrantKind kind) noexcept {
  switch (kind) {
    case GrantKind::kPurchase: return "purchase";
    case GrantKind::kGrant: return "grant";
    case GrantKind::kAdjustment: return "adjustment";
    case GrantKind::kSignupBonus: return "signup_bonus";
  }
  return "purchase";
}

GrantKind validate(const GrantRequest& request) {
  if (!request.has_user_id) invalid("p_user_id is required.");
  if (!request.amount) invalid("p_amount is required.");
  if (*request.amount <= 0) invalid("p_amount must be a positive number of credits.");
  if (!request.kind) invalid("p_kind is required.");
  std::optional<GrantKind> kind;
  for (GrantKind k : {GrantKind::kPurchase, GrantKind::kGrant, GrantKind::kAdjustment,
                      GrantKind::kSignupBonus}) {
    if (*request.kind == kind_name(k)) kind = k;
  }
  if (!kind) invalid("p_kind must be one of purchase, grant, adjustment, signup_bonus.");
  optional_text("p_reference", request.reference, limits::kKeyMaxChars);
  optional_text("p_description", request.description, limits::kDescriptionMaxChars);
  return *kind;
}

void require_video_id(bool present) {
  if (!present) invalid("p_video_id is required.");
}

void validate_video_url(OptionalText url) {
  require_text("p_video_url", url, limits::kUrlMaxChars);
  if (url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0) {
    invalid("p_video_url must be an http:// or https:// URL.");
  }
}

void validate_claim_limit(std::optional<std::int32_t> limit) {
  if (!limit || *limit < 1 || *limit > limits::kClaimMax) {
    invalid("p_limit must be between 1 and " + std::to_string(limits::kClaimMax) + ".");
  }
}

std::string refund_reason(OptionalText reason) {
  if (!reason || is_blank(*reason)) return "Video generation failed.";
  std::size_t chars = 0;
  std::size_t end = 0;
  // Cut at a character boundary after kDescriptionMaxChars characters.
  for (; end < reason->size(); ++end) {
    if ((static_cast<unsigned char>((*reason)[end]) & 0xC0) != 0x80 &&
        chars++ == limits::kDescriptionMaxChars) {
      break;
    }
  }
  return std::string(reason->substr(0, end));
}

}  // namespace sora::core
