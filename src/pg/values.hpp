// Inside src/pg only: converting between the server's values and the C++ ones of the seam
// (types.hpp, Uuid, core::IntervalParts).
#pragma once

#include "../core/intervals.hpp"
#include "postgres.hpp"
#include "spi.hpp"

namespace sora::pg {

// A uuid datum pointing into `uuid`, which must outlive its use.
Datum uuid_datum(const Uuid& uuid);
Uuid uuid_value(Datum datum);

core::IntervalParts parts(const Interval& value);
// A new interval datum (palloc: call under guarded).
Datum interval_datum(const core::IntervalParts& value);

}  // namespace sora::pg
