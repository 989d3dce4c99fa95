// Conversions between the server's values and the seam's C++ values (see values.hpp).
#include "values.hpp"

#include <cstring>
#include <type_traits>

#include "../core/messages.hpp"
#include "guard.hpp"

namespace sora::pg {

// The seam's declarations are the server's (types.hpp).
static_assert(std::is_same_v<Timestamp, TimestampTz>);
static_assert(static_cast<Oid>(Type::kInt8) == INT8OID);
static_assert(static_cast<Oid>(Type::kText) == TEXTOID);
static_assert(static_cast<Oid>(Type::kInterval) == INTERVALOID);
static_assert(static_cast<Oid>(Type::kInt8Array) == INT8ARRAYOID);
static_assert(static_cast<Oid>(Type::kTimestamptz) == TIMESTAMPTZOID);
static_assert(static_cast<Oid>(Type::kUuid) == UUIDOID);
static_assert(sizeof(core::UuidBytes) == UUID_LEN);

namespace {

std::string type_name(Oid type) {
  const char* name = guarded([&] { return format_type_be(type); });
  return name;
}

}  // namespace

std::optional<Datum> column_value(HeapTuple row, TupleDesc desc, std::string_view where,
                                  const char* column, Oid type) {
  int number = SPI_fnumber(desc, column);
  if (number <= 0) throw core::messages::column_missing(where, column);
  Oid actual = SPI_gettypeid(desc, number);
  if (actual != type) {
    throw core::messages::column_type_mismatch(where, column, type_name(actual), type_name(type));
  }
  bool is_null = true;
  Datum datum = SPI_getbinval(row, desc, number, &is_null);
  if (is_null) return std::nullopt;
  return datum;
}

Datum required_column_value(HeapTuple row, TupleDesc desc, std::string_view where,
                            const char* column, Oid type) {
  std::optional<Datum> datum = column_value(row, desc, where, column, type);
  if (!datum) throw core::messages::column_null(where, column);
  return *datum;
}

std::string text_value(Datum datum) {
  const char* chars = guarded([&] { return TextDatumGetCString(datum); });
  return chars;
}

Datum uuid_datum(const Uuid& uuid) { return PointerGetDatum(uuid.bytes.data()); }

Uuid uuid_value(Datum datum) {
  Uuid uuid;
  std::memcpy(uuid.bytes.data(), DatumGetUUIDP(datum)->data, UUID_LEN);
  return uuid;
}

core::IntervalParts parts(const Interval& value) {
  return core::IntervalParts{value.month, value.day, value.time};
}

Datum interval_datum(const core::IntervalParts& value) {
  auto* copy = static_cast<Interval*>(palloc(sizeof(Interval)));
  copy->month = value.months;
  copy->day = value.days;
  copy->time = value.micros;
  return IntervalPGetDatum(copy);
}

}  // namespace sora::pg
