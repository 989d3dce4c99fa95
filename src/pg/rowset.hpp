// What the statement that calls a set-returning function does with its rows.
#pragma once

#include <cstdint>

#include "types.hpp"

namespace sora::pg {

// Whether the statement running this set-returning function could drop some of the (at
// most max_rows) rows it returns: a LIMIT below max_rows or an OFFSET, a filter (WHERE,
// HAVING, a join condition), a join, or any plan node not known to pass every row on. It
// reads the plan of the statement being executed (which PostgREST builds around an RPC with
// its limit, offset, Range and filters), so a function whose rows must all reach the caller
// can refuse before it does anything. False when the call has no statement around it.
bool rows_may_be_dropped(FunctionCallInfo fcinfo, std::int64_t max_rows);

}  // namespace sora::pg
