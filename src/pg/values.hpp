// Inside src/pg only: converting between the server's values and the C++ ones of the seam
// (types.hpp, Uuid, core::IntervalParts), and reading the columns of a row by name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "../core/intervals.hpp"
#include "postgres.hpp"
#include "spi.hpp"

namespace sora::pg {

// The column named of a row (`where` says whose, for the messages), which must be of
// `type`; nullopt for NULL. Raises 42703 when there is no such column and 42804 when it is
// of another type, so that a changed table is an error, never a crash.
std::optional<Datum> column_value(HeapTuple row, TupleDesc desc, std::string_view where,
                                  const char* column, Oid type);
// The same for a column that must not be NULL: 23502 for NULL.
Datum required_column_value(HeapTuple row, TupleDesc desc, std::string_view where,
                            const char* column, Oid type);

std::string text_value(Datum datum);

// A uuid datum pointing into `uuid`, which must outlive its use.
Datum uuid_datum(const Uuid& uuid);
Uuid uuid_value(Datum datum);

core::IntervalParts parts(const Interval& value);
// A new interval datum (palloc: call under guarded).
Datum interval_datum(const core::IntervalParts& value);

}  // namespace sora::pg
