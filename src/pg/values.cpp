// Conversions between the server's values and the seam's C++ values (see values.hpp).
#include "values.hpp"

#include <cstring>
#include <type_traits>

namespace sora::pg {

// The seam's declarations are the server's (types.hpp).
static_assert(std::is_same_v<Timestamp, TimestampTz>);
static_assert(static_cast<Oid>(Type::kInt8) == INT8OID);
static_assert(static_cast<Oid>(Type::kText) == TEXTOID);
static_assert(static_cast<Oid>(Type::kInterval) == INTERVALOID);
static_assert(static_cast<Oid>(Type::kUuid) == UUIDOID);
static_assert(sizeof(core::UuidBytes) == UUID_LEN);

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
