// The handle_new_user trigger: every new auth.users row gets its credit profile.
#include "../core/messages.hpp"
#include "../pg/settings.hpp"
#include "../pg/spi.hpp"
#include "../pg/trigger.hpp"
#include "api.hpp"
#include "../core/no_postgres.hpp"  // last: see the file

namespace sora::api {

Datum handle_new_user(FunctionCallInfo fcinfo) {
  static pg::Statement create(
      "WITH profile AS ("
      "  INSERT INTO @extschema@.profiles (id, user_id, credits, lifetime_granted,"
      "                                    last_transaction_at)"
      "  VALUES ($1, $1, $2, $2, CASE WHEN $2 > 0 THEN now() END) RETURNING id"
      ") INSERT INTO @extschema@.credit_transactions"
      "         (user_id, amount, balance_after, kind, description)"
      "  SELECT id, $2, $2, 'signup_bonus', $3 FROM profile WHERE $2 > 0",
      {pg::Type::kUuid, pg::Type::kInt8, pg::Type::kText});

  pg::TriggerCall call = pg::trigger_call(fcinfo);
  if (call.before || !call.per_row || call.op != pg::TriggerOp::kInsert) {
    throw core::messages::signup_trigger_misattached();
  }
  pg::Uuid user = pg::uuid_column(call, "id");
  pg::spi_begin(fcinfo);
  create.run({pg::param(user), pg::param(pg::signup_credits()),
              pg::param(core::messages::signup_description())});
  pg::spi_end();
  return Datum(0);
}

}  // namespace sora::api
