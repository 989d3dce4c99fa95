// The handle_new_user trigger on auth.users: every new user gets a credit profile, and a
// real account (confirmed, not anonymous) gets the sign-up bonus once.
#include "../core/messages.hpp"
#include "../core/signup.hpp"
#include "../pg/settings.hpp"
#include "../pg/spi.hpp"
#include "../pg/trigger.hpp"
#include "api.hpp"
#include "grant.hpp"
#include "locks.hpp"
#include "lots.hpp"
#include "../core/no_postgres.hpp"  // last: see the file

namespace sora::api {

namespace {

// The account as auth.users describes it, with the columns the auth server has (older
// versions have no is_anonymous; a table with neither confirmation column counts as
// confirmed).
core::AccountState account(const pg::TriggerCall& call, HeapTuple row) {
  pg::Column email = pg::column_state(call, row, "email_confirmed_at");
  pg::Column phone = pg::column_state(call, row, "phone_confirmed_at");
  core::AccountState state;
  state.confirmed = email == pg::Column::kSet || phone == pg::Column::kSet ||
                    (email == pg::Column::kMissing && phone == pg::Column::kMissing);
  state.anonymous = pg::bool_column(call, row, "is_anonymous");
  return state;
}

// Under the profile lock, so concurrent changes of one user grant at most once.
void grant_signup_bonus(const pg::Uuid& user) {
  std::int64_t amount = pg::signup_credits();
  if (amount == 0) return;
  LockedProfile profile = lock_profile(user);
  if (has_signup_bonus(user)) return;
  std::int64_t balance = settle_lots(user, profile.credits).balance;
  std::string description = core::messages::signup_description();
  add_grant(user, profile, balance,
            {core::GrantKind::kSignupBonus, amount, core::Category::kPromotional,
             pg::signup_credits_expire_at()},
            pg::param(pg::TextArg{}), pg::param(description));
}

}  // namespace

Datum handle_new_user(FunctionCallInfo fcinfo) {
  // ON CONFLICT: an update may grant the bonus to a user whose row was loaded without
  // triggers (a restore in replica mode) and who has no profile yet.
  static pg::Statement create(
      "INSERT INTO @extschema@.profiles (id, user_id) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING",
      {pg::Type::kUuid});

  pg::TriggerCall call = pg::trigger_call(fcinfo);
  bool insert = call.op == pg::TriggerOp::kInsert;
  if (call.before || !call.per_row || !(insert || call.op == pg::TriggerOp::kUpdate)) {
    throw core::messages::signup_trigger_misattached();
  }
  pg::Uuid user = pg::uuid_column(call, "id");
  core::BonusMoment moment = pg::signup_bonus_at();
  bool bonus = insert ? core::bonus_due_on_insert(moment, account(call, call.row))
                      : core::bonus_due_on_update(moment, account(call, call.old_row),
                                                  account(call, call.row));
  if (!insert && !bonus) return Datum(0);  // a sign-in, an e-mail change...
  pg::spi_begin(fcinfo);
  create.run({pg::param(user)});
  if (bonus) grant_signup_bonus(user);
  pg::spi_end();
  return Datum(0);
}

}  // namespace sora::api
