// The write guards: triggers that keep money and jobs changing only through the functions.
//
// The functions run as the extension's owner (the installing superuser), so they pass;
// every other role, whatever table privileges it holds (Supabase's default privileges give
// `postgres` ALL on new tables in public), is refused. The triggers fire in replica mode
// too (ENABLE ALWAYS): a restore loads rows there (session_replication_role = replica,
// which on Supabase postgres may set through supautils), so there a role may add rows, but
// never change or remove one.
#include <cstdlib>
#include <stdexcept>

#include "../core/messages.hpp"
#include "../pg/trigger.hpp"
#include "api.hpp"
#include "../core/no_postgres.hpp"  // last: see the file

namespace sora::api {

namespace messages = core::messages;

namespace {

bool owner_or_superuser(const pg::TriggerCall& call) {
  return pg::current_user_is(call.table_owner) || pg::current_user_is_superuser();
}

// An INSERT by the functions, or one that loads a restore.
bool insert_allowed(const pg::TriggerCall& call) {
  return pg::replica_mode() || owner_or_superuser(call);
}

// Both guards are BEFORE triggers, per row or (for TRUNCATE) per statement.
pg::TriggerCall guard_call(FunctionCallInfo fcinfo) {
  pg::TriggerCall call = pg::trigger_call(fcinfo);
  if (!call.before || call.per_row == (call.op == pg::TriggerOp::kTruncate)) {
    throw messages::write_guard_misattached();
  }
  return call;
}

}  // namespace

Datum refuse_direct_change(FunctionCallInfo fcinfo) {
  pg::TriggerCall call = guard_call(fcinfo);
  bool allowed = call.op == pg::TriggerOp::kInsert ? insert_allowed(call) : owner_or_superuser(call);
  if (!allowed) throw messages::direct_change_refused(call.table);
  return pg::proceed(call);
}

// credit_transactions: rows are added by the functions (or a restore), never changed, and
// deleted only by the cascade of deleting their user from auth.users (which does not run
// in replica mode). Its one argument is auth.users's OID, fixed when the trigger was
// created, so a table or view later given that name is never read. On a Citus cluster it
// is 0 (auth.users is on the coordinator only, and the rows on the shards of the workers):
// there a cascade gets through, which is the profile's, and only the extension's owner may
// delete a profile (distribute_on_citus() in the 2.0 script).
Datum guard_ledger(FunctionCallInfo fcinfo) {
  pg::TriggerCall call = guard_call(fcinfo);
  if (call.nargs != 1) throw messages::ledger_guard_without_users();
  switch (call.op) {
    case pg::TriggerOp::kInsert:
      if (!insert_allowed(call)) {
        throw messages::direct_change_refused(call.table);
      }
      return pg::proceed(call);
    case pg::TriggerOp::kUpdate:
      throw messages::ledger_change_refused();
    case pg::TriggerOp::kDelete: {
      // A cascade (a foreign key's trigger) after the user's auth.users row is gone.
      Oid users = static_cast<Oid>(std::strtoul(call.args[0], nullptr, 10));
      if (pg::trigger_depth() > 1 &&
          (users == 0 || !pg::uuid_key_exists(users, pg::uuid_column(call, "user_id")))) {
        return pg::proceed(call);
      }
      throw messages::ledger_delete_refused();
    }
    case pg::TriggerOp::kTruncate:
      throw messages::ledger_delete_refused();
  }
  throw std::logic_error("guard_ledger: unknown trigger event");
}

// At ddl_command_start: the sql_drop check of the install script cannot see a DROP SCHEMA
// ... CASCADE of the extension's schema, which drops that check itself with the extension;
// so such a command (or DROP OWNED BY the schema's owner) is refused before it starts,
// unless a superuser runs it. The function lives in the extension's schema.
Datum guard_schema_drop(FunctionCallInfo fcinfo) {
  if (pg::ddl_would_drop_schema(fcinfo, pg::function_schema(fcinfo)) &&
      !pg::current_user_is_superuser()) {
    throw messages::schema_drop_refused();
  }
  return Datum(0);
}

}  // namespace sora::api
