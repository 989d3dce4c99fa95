#include "trigger.hpp"

#include <stdexcept>

#include "../core/messages.hpp"
#include "guard.hpp"
#include "postgres.hpp"
#include "values.hpp"

namespace sora::pg {

TriggerCall trigger_call(FunctionCallInfo fcinfo) {
  if (!CALLED_AS_TRIGGER(fcinfo)) throw core::messages::not_called_as_trigger();
  auto* data = reinterpret_cast<TriggerData*>(fcinfo->context);
  TriggerEvent event = data->tg_event;
  TriggerCall call{};
  call.before = TRIGGER_FIRED_BEFORE(event);
  call.per_row = TRIGGER_FIRED_FOR_ROW(event);
  if (TRIGGER_FIRED_BY_TRUNCATE(event)) {
    call.op = TriggerOp::kTruncate;
  } else if (TRIGGER_FIRED_BY_INSERT(event)) {
    call.op = TriggerOp::kInsert;
  } else if (TRIGGER_FIRED_BY_UPDATE(event)) {
    call.op = TriggerOp::kUpdate;
  } else {
    call.op = TriggerOp::kDelete;
  }
  if (call.per_row) {
    call.row = call.op == TriggerOp::kUpdate ? data->tg_newtuple : data->tg_trigtuple;
    if (call.op == TriggerOp::kUpdate) call.old_row = data->tg_trigtuple;
  }
  call.table = RelationGetRelationName(data->tg_relation);
  call.desc = RelationGetDescr(data->tg_relation);
  call.table_owner = data->tg_relation->rd_rel->relowner;
  call.nargs = data->tg_trigger->tgnargs;
  call.args = data->tg_trigger->tgargs;
  return call;
}

Uuid uuid_column(const TriggerCall& call, const char* column) {
  if (call.row == nullptr) throw std::logic_error("sora_credits: a statement trigger has no row");
  return uuid_value(required_column_value(call.row, call.desc, core::messages::table(call.table),
                                          column, UUIDOID));
}

Column column_state(const TriggerCall& call, HeapTuple row, const char* column) {
  return guarded([&] {
    int number = SPI_fnumber(call.desc, column);
    if (number <= 0) return Column::kMissing;
    bool is_null = true;
    SPI_getbinval(row, call.desc, number, &is_null);
    return is_null ? Column::kNull : Column::kSet;
  });
}

bool bool_column(const TriggerCall& call, HeapTuple row, const char* column) {
  return guarded([&] {
    int number = SPI_fnumber(call.desc, column);
    if (number <= 0) return false;
    if (SPI_gettypeid(call.desc, number) != BOOLOID) {
      ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                      errmsg("sora_credits: column \"%s\" of table %s is not a boolean", column,
                             call.table)));
    }
    bool is_null = true;
    Datum value = SPI_getbinval(row, call.desc, number, &is_null);
    return !is_null && DatumGetBool(value);
  });
}

Datum proceed(const TriggerCall& call) { return PointerGetDatum(call.row); }

bool current_user_is_superuser() {
  return guarded([] { return superuser(); });
}

bool current_user_is(Oid role) { return GetUserId() == role; }

bool replica_mode() { return SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA; }

int trigger_depth() {
  return guarded([] {
    LOCAL_FCINFO(call, 0);
    InitFunctionCallInfoData(*call, nullptr, 0, InvalidOid, nullptr, nullptr);
    return DatumGetInt32(pg_trigger_depth(call));
  });
}

bool uuid_key_exists(Oid table, const Uuid& key) {
  // The outcome, and the table's name when its key is not one uuid column.
  struct Lookup {
    bool found;
    const char* no_uuid_key;
  };
  Lookup lookup = guarded([&] {
    Relation rel = table_open(table, AccessShareLock);
    Oid index = RelationGetPrimaryKeyIndex(rel);
    Relation index_rel = OidIsValid(index) ? index_open(index, AccessShareLock) : nullptr;
    AttrNumber column = InvalidAttrNumber;
    if (index_rel != nullptr && index_rel->rd_index->indnkeyatts == 1) {
      column = index_rel->rd_index->indkey.values[0];
    }
    Lookup result{false, nullptr};
    if (column > 0 && TupleDescAttr(RelationGetDescr(rel), column - 1)->atttypid == UUIDOID) {
      ScanKeyData scan_key;
      ScanKeyInit(&scan_key, column, BTEqualStrategyNumber, F_UUID_EQ, uuid_datum(key));
      SysScanDesc scan = systable_beginscan(rel, index, true, GetActiveSnapshot(), 1, &scan_key);
      result.found = HeapTupleIsValid(systable_getnext(scan));
      systable_endscan(scan);
    } else {
      result.no_uuid_key = pstrdup(RelationGetRelationName(rel));
    }
    if (index_rel != nullptr) index_close(index_rel, AccessShareLock);
    table_close(rel, AccessShareLock);
    return result;
  });
  if (lookup.no_uuid_key != nullptr) throw core::messages::primary_key_not_one_uuid(lookup.no_uuid_key);
  return lookup.found;
}

bool ddl_would_drop_schema(FunctionCallInfo fcinfo, Oid schema) {
  if (!CALLED_AS_EVENT_TRIGGER(fcinfo)) {
    throw core::messages::not_called_as_event_trigger();
  }
  Node* command = reinterpret_cast<EventTriggerData*>(fcinfo->context)->parsetree;
  return guarded([&] {
    if (IsA(command, DropStmt) && castNode(DropStmt, command)->removeType == OBJECT_SCHEMA) {
      ListCell* cell;
      foreach (cell, castNode(DropStmt, command)->objects) {
        if (get_namespace_oid(strVal(lfirst(cell)), true) == schema) return true;
      }
    } else if (IsA(command, DropOwnedStmt)) {
      HeapTuple row = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(schema));
      if (!HeapTupleIsValid(row)) return false;
      Oid owner = reinterpret_cast<Form_pg_namespace>(GETSTRUCT(row))->nspowner;
      ReleaseSysCache(row);
      ListCell* cell;
      foreach (cell, castNode(DropOwnedStmt, command)->roles) {
        if (get_rolespec_oid(lfirst_node(RoleSpec, cell), true) == owner) return true;
      }
    }
    return false;
  });
}

}  // namespace sora::pg
