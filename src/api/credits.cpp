// Balances: reading credit information and granting credits.
#include "../core/json.hpp"
#include "../core/messages.hpp"
#include "../core/pricing.hpp"
#include "../core/validation.hpp"
#include "../pg/args.hpp"
#include "../pg/caller.hpp"
#include "api.hpp"
#include "grant.hpp"
#include "locks.hpp"
#include "../core/no_postgres.hpp"  // last: see the file

namespace sora::api {

namespace messages = core::messages;
using core::JsonObject;
using pg::Type;

Datum get_credit_info(FunctionCallInfo fcinfo) {
  // Every figure is a column the writers keep current, so the cost of this read does not
  // grow with the user's history. STABLE: read-only, no lock.
  static pg::Statement info(
      "SELECT credits, credits_reserved, lifetime_granted, lifetime_spent, lifetime_refunded,"
      "       active_videos, deleted_videos, last_transaction_at "
      "FROM @extschema@.profiles WHERE id = $1",
      {Type::kUuid});

  std::optional<pg::Uuid> asked = pg::read_uuid(fcinfo, 0);
  pg::spi_begin(fcinfo);
  pg::Caller caller = pg::current_caller();
  if (!caller.is_service) {
    if (!caller.user_id) throw messages::not_authenticated();
    if (asked && !(*asked == *caller.user_id)) throw messages::foreign_credit_info();
  }
  std::optional<pg::Uuid> user = asked ? asked : caller.user_id;
  if (!user) throw messages::user_id_required();

  pg::Result row = info.run({pg::param(*user)}, pg::Access::kReadOnly);
  if (row.rows() == 0) throw messages::profile_not_found();
  JsonObject out;
  out.text("user_id", user->text());
  // Each figure under its column's name.
  for (const char* bigint : {"credits", "credits_reserved", "lifetime_granted", "lifetime_spent",
                             "lifetime_refunded"}) {
    out.integer(bigint, row.int64_at(0, bigint));
  }
  for (const char* integer : {"active_videos", "deleted_videos"}) {
    out.integer(integer, row.int32_at(0, integer));
  }
  if (std::optional<pg::Timestamp> last = row.optional_timestamp_at(0, "last_transaction_at")) {
    out.text("last_transaction_at", pg::json_timestamp(*last));
  } else {
    out.null("last_transaction_at");
  }
  pg::spi_end();
  return pg::jsonb_result(out.str());
}

Grant add_grant(const pg::Uuid& user, const LockedProfile& profile, std::int64_t amount,
                pg::Param kind, pg::Param reference, pg::Param description) {
  static pg::Statement write(
      "WITH profile AS ("
      "  UPDATE @extschema@.profiles SET credits = credits + $2,"
      "         lifetime_granted = lifetime_granted + $2, last_transaction_at = now(),"
      "         updated_at = now() WHERE id = $1 RETURNING credits"
      ") INSERT INTO @extschema@.credit_transactions"
      "         (user_id, amount, balance_after, kind, reference, description)"
      "  SELECT $1, $2, profile.credits, $3, $4, $5 FROM profile RETURNING id, balance_after",
      {Type::kUuid, Type::kInt8, Type::kText, Type::kText, Type::kText});
  // Both are checked, so neither rule depends on the other (the total is at least the balance).
  core::require_room_for(amount, profile.credits);
  core::require_room_for(amount, profile.lifetime_granted);
  pg::Result written =
      write.run({pg::param(user), pg::param(amount), kind, reference, description});
  return {written.int64_at(0, "id"), written.int64_at(0, "balance_after")};
}

bool has_signup_bonus(const pg::Uuid& user) {
  static pg::Statement bonus(
      "SELECT 1 FROM @extschema@.credit_transactions WHERE user_id = $1 AND kind = 'signup_bonus'",
      {Type::kUuid});
  return bonus.run({pg::param(user)}).rows() > 0;
}

Datum grant_credits(FunctionCallInfo fcinfo) {
  static pg::Statement earlier_grant(
      "SELECT id, user_id, amount FROM @extschema@.credit_transactions "
      "WHERE kind = $1 AND reference = $2",
      {Type::kText, Type::kText});

  std::optional<pg::Uuid> user = pg::read_uuid(fcinfo, 0);
  std::optional<std::int64_t> amount = pg::read_int64(fcinfo, 1);
  pg::TextArg kind_arg = pg::read_text(fcinfo, 2);
  pg::TextArg reference = pg::read_text(fcinfo, 3);
  pg::TextArg description = pg::read_text(fcinfo, 4);
  core::GrantKind kind = core::validate(core::GrantRequest{
      user.has_value(), amount, kind_arg.view, reference.view, description.view});

  pg::spi_begin(fcinfo);
  LockedProfile profile = lock_profile(*user);
  JsonObject out;
  out.boolean("success", true);
  if (reference.view) {
    // A retried webhook: same (kind, reference) for the same user and amount is a replay.
    pg::Result earlier = earlier_grant.run({pg::param(kind_arg), pg::param(reference)});
    if (earlier.rows() > 0) {
      if (!(earlier.uuid_at(0, "user_id") == *user) || earlier.int64_at(0, "amount") != *amount) {
        throw messages::reference_mismatch();
      }
      out.integer("transaction_id", earlier.int64_at(0, "id"))
          .integer("credits_granted", *amount)
          .integer("credits_remaining", profile.credits)
          .boolean("idempotent_replay", true);
      pg::spi_end();
      return pg::jsonb_result(out.str());
    }
  }
  if (kind == core::GrantKind::kSignupBonus && has_signup_bonus(*user)) {
    throw messages::signup_bonus_already_granted();
  }
  Grant grant = add_grant(*user, profile, *amount, pg::param(kind_arg), pg::param(reference),
                          description.view ? pg::param(description)
                                           : pg::param(messages::grant_description(kind)));
  out.integer("transaction_id", grant.transaction_id)
      .integer("credits_granted", *amount)
      .integer("credits_remaining", grant.credits_remaining)
      .boolean("idempotent_replay", false);
  pg::spi_end();
  return pg::jsonb_result(out.str());
}

}  // namespace sora::api
