// The handle_new_user trigger: every new auth.users row gets its credit profile.
#include <stdexcept>

#include "../core/messages.hpp"
#include "../pg/guard.hpp"
#include "../pg/settings.hpp"
#include "../pg/spi.hpp"
#include "api.hpp"

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
      {UUIDOID, INT8OID, TEXTOID});

  auto* trigger = reinterpret_cast<TriggerData*>(fcinfo->context);
  if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigger->tg_event) ||
      !TRIGGER_FIRED_FOR_ROW(trigger->tg_event) || !TRIGGER_FIRED_BY_INSERT(trigger->tg_event)) {
    throw std::logic_error("handle_new_user must be an AFTER INSERT FOR EACH ROW trigger");
  }
  pg::spi_begin(fcinfo);
  TupleDesc desc = trigger->tg_relation->rd_att;
  HeapTuple row = trigger->tg_trigtuple;
  pg::Uuid user;
  bool found = pg::guarded([&] {
    int column = SPI_fnumber(desc, "id");
    bool is_null = true;
    Datum id = column > 0 ? SPI_getbinval(row, desc, column, &is_null) : Datum(0);
    if (!is_null) user.value = *DatumGetUUIDP(id);
    return !is_null;
  });
  if (!found) throw std::logic_error("handle_new_user: the new row has no id");
  create.run({pg::param(user), pg::param(pg::signup_credits()),
              pg::param(core::messages::signup_description())});
  pg::spi_end();
  return PointerGetDatum(nullptr);
}

}  // namespace sora::api
