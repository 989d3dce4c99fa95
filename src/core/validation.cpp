#include "validation.hpp"

#include "messages.hpp"
#include "text.hpp"
#include "no_postgres.hpp"  // last: see the file

namespace sora::core {

namespace {

// A required text argument: present, not blank, at most max_chars characters.
void require_text(const char* name, OptionalText value, std::size_t max_chars) {
  if (!value) throw messages::argument_required(name);
  if (is_blank(*value)) throw messages::argument_blank(name);
  if (utf8_length(*value) > max_chars) throw messages::argument_too_long(name, max_chars);
}

// An optional text argument: NULL is fine, but a given value obeys the same rules.
void optional_text(const char* name, OptionalText value, std::size_t max_chars) {
  if (value) require_text(name, value, max_chars);
}

}  // namespace

void validate(const VideoRequest& request) {
  require_text("p_prompt", request.prompt, limits::kPromptMaxChars);
  if (!request.duration_seconds) throw messages::argument_required("p_duration_seconds");
  if (*request.duration_seconds < limits::kDurationMin ||
      *request.duration_seconds > limits::kDurationMax) {
    throw messages::duration_out_of_range(limits::kDurationMin, limits::kDurationMax);
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
  if (!request.has_user_id) throw messages::argument_required("p_user_id");
  if (!request.amount) throw messages::argument_required("p_amount");
  if (*request.amount <= 0) throw messages::amount_not_positive();
  if (!request.kind) throw messages::argument_required("p_kind");
  std::optional<GrantKind> kind;
  for (GrantKind k : {GrantKind::kPurchase, GrantKind::kGrant, GrantKind::kAdjustment,
                      GrantKind::kSignupBonus}) {
    if (*request.kind == kind_name(k)) kind = k;
  }
  if (!kind) throw messages::grant_kind_unknown();
  optional_text("p_reference", request.reference, limits::kKeyMaxChars);
  optional_text("p_description", request.description, limits::kDescriptionMaxChars);
  return *kind;
}

void require_video_id(bool present) {
  if (!present) throw messages::argument_required("p_video_id");
}

void validate_video_url(OptionalText url) {
  require_text("p_video_url", url, limits::kUrlMaxChars);
  if (url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0) {
    throw messages::url_not_http();
  }
}

void validate_claim_limit(std::optional<std::int32_t> limit) {
  if (!limit || *limit < 1 || *limit > limits::kClaimMax) {
    throw messages::claim_limit_out_of_range(limits::kClaimMax);
  }
}

std::string refund_reason(OptionalText reason) {
  if (!reason || is_blank(*reason)) return messages::default_refund_reason();
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
