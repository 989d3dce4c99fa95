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
#include "lots.hpp"
#include "own_rows.hpp"
#include "../core/no_postgres.hpp"  // last: see the file

namespace sora::api {

namespace messages = core::messages;
using core::JsonObject;
using pg::Type;

namespace {

// The figures of what the user's live lots hold (1.2), from the row of the statement that
// reads them with the profile (see get_credit_info): by category, and the soonest expiry.
void add_lot_figures(JsonObject& out, const pg::Result& row) {
  std::int64_t paid = row.int64_at(0, "paid");
  std::int64_t promotional = row.int64_at(0, "promotional");
  // The spendable balance: cannot overflow, the lots add up to the stored balance.
  out.integer("credits", paid + promotional)
      .integer("credits_paid", paid)
      .integer("credits_promotional", promotional);
  if (std::optional<pg::Timestamp> next = row.optional_timestamp_at(0, "next_expires_at")) {
    out.object("next_expiry", JsonObject()
                                  .integer("credits", row.int64_at(0, "next_credits"))
                                  .text("expires_at", pg::json_timestamp(*next)));
  } else {
    out.null("next_expiry");
  }
}

}  // namespace

Datum get_credit_info(FunctionCallInfo fcinfo) {
  // Every other figure is a column the writers keep current, so the cost of this read does
  // not grow with the user's history. STABLE: read-only, no lock. From 1.2, the live lots
  // are read in the same statement, from credit_lots_live_idx, so their cost follows the
  // live lots, never the history (expired lots the sweep has not reached yet are left out,
  // as a charge leaves them out), and both come from one snapshot: a cluster takes a new one
  // for each statement it sends to a worker, so two statements could see a charge between
  // them and give figures that do not add up.
  static pg::Statement info_1x(
      "SELECT * FROM @extschema@.profiles WHERE id = $1", {Type::kUuid});
  static pg::Statement info(
      "SELECT p.*, l.* FROM @extschema@.profiles p, LATERAL ("
      "  SELECT COALESCE(sum(remaining) FILTER (WHERE category = 'paid'), 0)::bigint AS paid,"
      "         COALESCE(sum(remaining) FILTER (WHERE category = 'promotional'), 0)::bigint"
      "           AS promotional,"
      "         min(expires_at) AS next_expires_at,"
      "         COALESCE(sum(remaining) FILTER (WHERE expires_at = first_expiry), 0)::bigint"
      "           AS next_credits"
      "  FROM (SELECT remaining, category, expires_at, min(expires_at) OVER () AS first_expiry"
      "        FROM @extschema@.credit_lots"
      "        WHERE user_id = $1 AND NOT depleted AND (expires_at IS NULL OR expires_at > now())) x"
      ") l WHERE p.id = $1",
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

  bool lots = has_lots();
  pg::Result row = (lots ? info : info_1x).run({pg::param(*user)}, pg::Access::kReadOnly);
  if (row.rows() == 0) throw messages::profile_not_found();
  JsonObject out;
  out.text("user_id", user->text());
  // Each figure under its column's name.
  for (const char* bigint : {"credits_reserved", "lifetime_granted", "lifetime_spent",
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
  if (lots) {
    out.integer("lifetime_expired", row.int64_at(0, "lifetime_expired"));
    add_lot_figures(out, row);
  } else {
    // Before 1.2 a balance is one never-expiring amount, counted as paid.
    std::int64_t credits = row.int64_at(0, "credits");
    out.integer("lifetime_expired", 0)
        .integer("credits", credits)
        .integer("credits_paid", credits)
        .integer("credits_promotional", 0)
        .null("next_expiry");
  }
  pg::spi_end();
  return pg::jsonb_result(out.str());
}

Grant add_grant(const pg::Uuid& user, const LockedProfile& profile, std::int64_t balance,
                const GrantTerms& terms, pg::Param reference, pg::Param description) {
  // Each part is given its values ($6 the entry's id, $7 the balance after, known under the
  // profile lock), as in a charge (videos.cpp); no row (another balance) is an error.
  static pg::Statement write(
      "WITH profile AS ("
      "  UPDATE @extschema@.profiles SET credits = credits + $2,"
      "         lifetime_granted = lifetime_granted + $2, last_transaction_at = now(),"
      "         updated_at = now() WHERE id = $1 RETURNING credits"
      "), entry AS ("
      "  INSERT INTO @extschema@.credit_transactions"
      "         (id, user_id, amount, balance_after, kind, reference, description)"
      "  OVERRIDING SYSTEM VALUE VALUES ($6, $1, $2, $7, $3, $4, $5) RETURNING id"
      ") SELECT profile.credits FROM profile, entry WHERE profile.credits = $7",
      {Type::kUuid, Type::kInt8, Type::kText, Type::kText, Type::kText, Type::kInt8,
       Type::kInt8});
  // Both are checked, so neither rule depends on the other (the total is at least the balance).
  core::require_room_for(terms.amount, balance);
  core::require_room_for(terms.amount, profile.lifetime_granted);
  std::string_view kind = core::kind_name(terms.kind);
  Grant grant{pg::next_value("credit_transactions_id_seq"), balance + terms.amount};
  write
      .run({pg::param(user), pg::param(terms.amount), pg::param(kind), reference, description,
            pg::param(grant.transaction_id), pg::param(grant.credits_remaining)})
      .int64_at(0, "credits");
  if (has_lots()) {
    add_lot(user, grant.transaction_id, kind, terms.category, terms.amount, terms.expires_at);
  }
  return grant;
}

Datum list_credit_lots(FunctionCallInfo fcinfo) {
  // Live lots (credits left, not expired) first, in the order a charge spends them; then the
  // spent and expired ones, newest first.
  static pg::Statement lots(
      "SELECT l.* FROM @extschema@.credit_lots l,"
      "  LATERAL (SELECT NOT l.depleted AND (l.expires_at IS NULL OR l.expires_at > now()) AS live) s "
      "WHERE l.user_id = $1 "
      "ORDER BY s.live DESC, CASE WHEN s.live THEN l.expires_at END,"
      "  CASE WHEN s.live THEN l.category END DESC, CASE WHEN s.live THEN l.created_at END,"
      "  CASE WHEN s.live THEN l.id END, l.created_at DESC, l.id DESC",
      {Type::kUuid});
  return return_own_rows(fcinfo, lots);
}

namespace {

// The earlier grant of (kind, reference) to this user, if there is one; PT422 when the
// reference was granted to another user. From 2.0, the reference is claimed for the user
// here first (payment_references, see the 2.0 script): a concurrent grant of it, to anyone,
// waits for this transaction and then finds it taken. A database still at 1.x keeps the
// rule in the ledger's unique index (kind, reference).
struct EarlierGrant {
  std::int64_t transaction_id;
  std::int64_t amount;
};
std::optional<EarlierGrant> earlier_grant(const pg::Uuid& user, const pg::TextArg& kind,
                                          const pg::TextArg& reference) {
  static pg::Statement claim(
      "INSERT INTO @extschema@.payment_references (kind, reference, user_id) VALUES ($1, $2, $3) "
      "ON CONFLICT DO NOTHING RETURNING user_id",
      {Type::kText, Type::kText, Type::kUuid});
  static pg::Statement claimed_for(
      "SELECT user_id FROM @extschema@.payment_references WHERE reference = $2 AND kind = $1",
      {Type::kText, Type::kText});
  static pg::Statement entry(
      "SELECT id, amount FROM @extschema@.credit_transactions "
      "WHERE user_id = $1 AND kind = $2 AND reference = $3",
      {Type::kUuid, Type::kText, Type::kText});
  static pg::Statement entry_1x(
      "SELECT id, user_id, amount FROM @extschema@.credit_transactions "
      "WHERE kind = $1 AND reference = $2",
      {Type::kText, Type::kText});
  pg::Result found;
  if (pg::bound_schema_has_table("payment_references")) {
    if (claim.run({pg::param(kind), pg::param(reference), pg::param(user)}).rows() > 0) {
      return std::nullopt;
    }
    pg::Result owner = claimed_for.run({pg::param(kind), pg::param(reference)});
    if (!(owner.uuid_at(0, "user_id") == user)) throw messages::reference_mismatch();
    found = entry.run({pg::param(user), pg::param(kind), pg::param(reference)});
  } else {
    found = entry_1x.run({pg::param(kind), pg::param(reference)});
    if (found.rows() == 0) return std::nullopt;
    if (!(found.uuid_at(0, "user_id") == user)) throw messages::reference_mismatch();
  }
  return EarlierGrant{found.int64_at(0, "id"), found.int64_at(0, "amount")};
}

}  // namespace

bool has_signup_bonus(const pg::Uuid& user) {
  static pg::Statement bonus(
      "SELECT 1 FROM @extschema@.credit_transactions WHERE user_id = $1 AND kind = 'signup_bonus'",
      {Type::kUuid});
  return bonus.run({pg::param(user)}).rows() > 0;
}

Datum grant_credits(FunctionCallInfo fcinfo) {
  std::optional<pg::Uuid> user = pg::read_uuid(fcinfo, 0);
  std::optional<std::int64_t> amount = pg::read_int64(fcinfo, 1);
  pg::TextArg kind_arg = pg::read_text(fcinfo, 2);
  pg::TextArg reference = pg::read_text(fcinfo, 3);
  pg::TextArg description = pg::read_text(fcinfo, 4);
  std::optional<pg::Timestamp> expires_at = pg::read_timestamp(fcinfo, 5);
  pg::TextArg category_arg = pg::read_text(fcinfo, 6);
  core::GrantKind kind = core::validate(core::GrantRequest{
      user.has_value(), amount, kind_arg.view, reference.view, description.view});
  GrantTerms terms{kind, *amount, core::grant_category(kind, category_arg.view), expires_at};

  pg::spi_begin(fcinfo);
  LockedProfile profile = lock_profile(*user);
  std::int64_t balance = settle_lots(*user, profile.credits).balance;
  JsonObject out;
  out.boolean("success", true);
  if (reference.view) {
    // A retried webhook: the same (kind, reference) for the same user, amount and lot terms
    // is a replay; checked before the expiry, so a retry is answered after that moment too.
    if (std::optional<EarlierGrant> earlier = earlier_grant(*user, kind_arg, reference)) {
      std::int64_t transaction_id = earlier->transaction_id;
      // A grant made before 1.2 has no lot: it was a never-expiring grant of its kind.
      std::optional<LotTerms> lot = has_lots() ? lot_of(*user, transaction_id) : std::nullopt;
      LotTerms then = lot ? *lot
                          : LotTerms{std::string(core::category_name(
                                         core::grant_category(kind, std::nullopt))),
                                     std::nullopt};
      if (earlier->amount != *amount || then.category != core::category_name(terms.category) ||
          then.expires_at != terms.expires_at) {
        throw messages::reference_mismatch();
      }
      out.integer("transaction_id", transaction_id)
          .integer("credits_granted", *amount)
          .integer("credits_remaining", balance)
          .boolean("idempotent_replay", true);
      pg::spi_end();
      return pg::jsonb_result(out.str());
    }
  }
  core::require_future_expiry(expires_at, pg::transaction_start());
  if (kind == core::GrantKind::kSignupBonus && has_signup_bonus(*user)) {
    throw messages::signup_bonus_already_granted();
  }
  Grant grant = add_grant(*user, profile, balance, terms, pg::param(reference),
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
