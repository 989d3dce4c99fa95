#include "args.hpp"

#include <cstring>

#include "guard.hpp"
#include "postgres.hpp"
#include "values.hpp"

namespace sora::pg {

namespace {

// NULL, or not declared at all: the library also serves the SQL functions of older
// versions, some of which have fewer arguments (grant_credits before 1.2).
bool absent(FunctionCallInfo fcinfo, int n) { return n >= PG_NARGS() || PG_ARGISNULL(n); }

}  // namespace

TextArg read_text(FunctionCallInfo fcinfo, int n) {
  if (absent(fcinfo, n)) return {std::nullopt, Datum(0)};
  text* value = guarded([&] { return PG_GETARG_TEXT_PP(n); });
  // The database is UTF8 (the install script requires it), so the bytes are UTF-8.
  return {std::string_view(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value)), PointerGetDatum(value)};
}

std::optional<std::int32_t> read_int32(FunctionCallInfo fcinfo, int n) {
  if (absent(fcinfo, n)) return std::nullopt;
  return PG_GETARG_INT32(n);
}

std::optional<std::int64_t> read_int64(FunctionCallInfo fcinfo, int n) {
  if (absent(fcinfo, n)) return std::nullopt;
  return PG_GETARG_INT64(n);
}

std::optional<Uuid> read_uuid(FunctionCallInfo fcinfo, int n) {
  if (absent(fcinfo, n)) return std::nullopt;
  return uuid_value(PG_GETARG_DATUM(n));
}

std::optional<core::IntervalParts> read_interval(FunctionCallInfo fcinfo, int n) {
  if (absent(fcinfo, n)) return std::nullopt;
  return parts(*PG_GETARG_INTERVAL_P(n));
}

std::optional<Timestamp> read_timestamp(FunctionCallInfo fcinfo, int n) {
  if (absent(fcinfo, n)) return std::nullopt;
  return PG_GETARG_TIMESTAMPTZ(n);
}

Datum jsonb_result(const std::string& json) {
  return guarded([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str())); });
}

std::string json_timestamp(Timestamp value) {
  char buffer[MAXDATELEN + 1];
  guarded([&] { JsonEncodeDateTime(buffer, TimestampTzGetDatum(value), TIMESTAMPTZOID, nullptr); });
  return buffer;
}

Datum uuid_result(const Uuid& uuid) {
  return guarded([&] {
    auto* copy = static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t)));
    std::memcpy(copy->data, uuid.bytes.data(), UUID_LEN);
    return UUIDPGetDatum(copy);
  });
}

void return_rows(FunctionCallInfo fcinfo, const std::vector<Result>& parts) {
  guarded([&] {
    InitMaterializedSRF(fcinfo, 0);
    auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    for (const Result& rows : parts) {
      if (rows.rows() == 0) continue;
      // The statement's columns, matched by name to the declared row type, whose dropped
      // columns it does not have: a row type that no longer matches is an error, not a crash.
      TupleConversionMap* map = convert_tuples_by_name(rows.desc(), rsinfo->setDesc);
      for (std::uint64_t i = 0; i < rows.rows(); ++i) {
        HeapTuple row = rows.tuple(i);
        tuplestore_puttuple(rsinfo->setResult, map ? execute_attr_map_tuple(row, map) : row);
      }
    }
  });
}

}  // namespace sora::pg
