#include "messages.hpp"

#include "json.hpp"
#include "no_postgres.hpp"  // last: see the file

namespace sora::core::messages {

using namespace sqlstate;

Error not_authenticated() {
  return Error(kNotAuthenticated, "Not signed in: this action needs an authenticated user.",
               {}, "Sign in and call again with the user's access token.");
}

Error foreign_credit_info() {
  return Error(kNotAuthenticated, "You can only view your own credit information.");
}

Error user_id_required() {
  return Error(kInvalidParameter, "p_user_id is required when no user is signed in.");
}

Error profile_not_found() {
  return Error(kNotFound, "No credit account exists for this user.");
}

Error video_not_found() { return Error(kNotFound, "Video not found."); }

Error insufficient_credits(std::int64_t credits, std::int64_t required) {
  std::string message = "Insufficient credits. You have " + std::to_string(credits) +
                        " credits, but need " + std::to_string(required) + " credits.";
  std::string detail = JsonObject()
                           .integer("credits", credits)
                           .integer("required", required)
                           .integer("shortfall", required - credits)
                           .str();
  return Error(kInsufficientCredits, std::move(message), std::move(detail),
               "Buy more credits, or choose a shorter video or a lower resolution.");
}

Error idempotency_mismatch() {
  return Error(kIdempotencyMismatch,
               "This idempotency key was already used for a different video request.", {},
               "Use a new idempotency key for a new request.");
}

Error reference_mismatch() {
  return Error(kIdempotencyMismatch,
               "This reference was already used for a different grant.", {},
               "Use a new reference for a new payment.");
}

Error unknown_price(std::string_view model, std::string_view resolution) {
  return Error(kInvalidParameter,
               "p_model and p_resolution: there is no price for model \"" + std::string(model) +
                   "\" at resolution \"" + std::string(resolution) + "\".",
               {}, "The table video_pricing lists the models and resolutions on offer.");
}

Error restore_window_passed(std::string_view window) {
  return Error(kGone,
               "This video was deleted more than " + std::string(window) +
                   " ago and can no longer be restored.");
}

std::string charge_description(std::string_view model, std::string_view resolution,
                               std::int32_t duration_seconds) {
  return "Video generation: " + std::string(model) + " " + std::string(resolution) + ", " +
         std::to_string(duration_seconds) + " s";
}

std::string refund_description(std::string_view reason) {
  return "Refund: " + std::string(reason);
}

std::string grant_description(GrantKind kind) {
  switch (kind) {
    case GrantKind::kPurchase: return "Credits purchased";
    case GrantKind::kGrant: return "Credits granted";
    case GrantKind::kAdjustment: return "Balance adjustment";
    case GrantKind::kSignupBonus: return signup_description();
  }
  return "Credits granted";
}

std::string signup_description() { return "Sign-up bonus"; }

}  // namespace sora::core::messages
