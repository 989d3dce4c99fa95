// Trigger functions: what a trigger was fired for, read from PostgreSQL's TriggerData, and
// the checks the write guards make (who is writing, whether a row still exists).
#pragma once

#include "spi.hpp"
#include "types.hpp"

namespace sora::pg {

enum class TriggerOp { kInsert, kUpdate, kDelete, kTruncate };

struct TriggerCall {
  TriggerOp op;
  bool before;           // BEFORE (or AFTER) the change
  bool per_row;          // FOR EACH ROW (or STATEMENT)
  const char* table;     // the table's name, for messages
  Oid table_owner;
  HeapTuple row;         // the new row (the old one for DELETE); nullptr per statement
  HeapTuple old_row;     // for UPDATE, the row before it; nullptr otherwise
  TupleDesc desc;        // the table's row type
  int nargs;
  char** args;           // the trigger's arguments (CREATE TRIGGER ... FUNCTION f('a', ...))
};

// Reads the call of a trigger function; any other call raises 39P01. (A trigger function
// attached the wrong way, say AFTER where it must be BEFORE, throws its own 39P01 from
// core/messages.hpp: an error with a SQLSTATE, not an internal error.)
TriggerCall trigger_call(FunctionCallInfo fcinfo);

// The uuid in the named column of the call's row. A column that is missing, is not a uuid,
// or is NULL raises an error with its SQLSTATE (42703, 42804, 23502), never a crash.
Uuid uuid_column(const TriggerCall& call, const char* column);

// Whether the named column of a row of the call's table is missing, NULL or set; and a
// boolean column's value (false when it is missing or NULL; 42804 when it is not boolean).
enum class Column { kMissing, kNull, kSet };
Column column_state(const TriggerCall& call, HeapTuple row, const char* column);
bool bool_column(const TriggerCall& call, HeapTuple row, const char* column);

// A BEFORE trigger's result that lets the change proceed (the row, or nothing per statement).
Datum proceed(const TriggerCall& call);

// Whether the role running the statement (inside a SECURITY DEFINER function, its owner)
// is a superuser, or is the role given.
bool current_user_is_superuser();
bool current_user_is(Oid role);

// Whether the session loads rows the way a restore does (session_replication_role =
// replica, which only superusers, and on Supabase postgres through supautils, may set).
bool replica_mode();

// pg_trigger_depth(): 1 in a trigger fired by a statement, more in one fired by a trigger
// (such as a foreign key's ON DELETE CASCADE).
int trigger_depth();

// Whether the table with this OID has a row with this primary key (a single uuid column),
// looked up through the key's index with the built-in uuid equality: no SQL, no operator,
// view or function that the table's owner could supply. Raises 42809 when the table's
// primary key is not one uuid column.
bool uuid_key_exists(Oid table, const Uuid& key);

// For an event trigger function fired at ddl_command_start: whether the command about to
// run would drop this schema (DROP SCHEMA naming it, or DROP OWNED BY its owner). Any
// other call raises 39P01.
bool ddl_would_drop_schema(FunctionCallInfo fcinfo, Oid schema);

}  // namespace sora::pg
