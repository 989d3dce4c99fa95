// Reading SQL arguments into C++ values (nullopt is SQL NULL) and returning jsonb.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../core/intervals.hpp"
#include "spi.hpp"
#include "types.hpp"

namespace sora::pg {

TextArg read_text(FunctionCallInfo fcinfo, int n);
std::optional<std::int32_t> read_int32(FunctionCallInfo fcinfo, int n);
std::optional<std::int64_t> read_int64(FunctionCallInfo fcinfo, int n);
std::optional<Uuid> read_uuid(FunctionCallInfo fcinfo, int n);
std::optional<core::IntervalParts> read_interval(FunctionCallInfo fcinfo, int n);
std::optional<Timestamp> read_timestamp(FunctionCallInfo fcinfo, int n);

// A uuid datum, allocated in the caller's memory context.
Datum uuid_result(const Uuid& uuid);

// Returns every row of the results, in their order, from a set-returning function
// (materialize mode), their columns matched by name to the function's declared row type.
void return_rows(FunctionCallInfo fcinfo, const std::vector<Result>& parts);

// The jsonb datum of a JSON text, allocated in the caller's memory context.
Datum jsonb_result(const std::string& json);
// A timestamptz rendered exactly as to_jsonb() renders it.
std::string json_timestamp(Timestamp value);

}  // namespace sora::pg
