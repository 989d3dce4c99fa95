// The seam: the few PostgreSQL names that code outside src/pg may use, and nothing more.
//
// src/api and src/bgworker are compiled without the server's headers (Makefile.pgxs), so
// they cannot call PostgreSQL themselves: they call src/pg's functions, whose headers
// build on this one and never on postgres.hpp. The server's types appear here only as
// opaque names (pointers to structs declared, not defined) or as the integers the server
// defines them to be; values.cpp checks these declarations against the server's own.
#pragma once

#include <cstdint>

extern "C" {
typedef uintptr_t Datum;
typedef unsigned int Oid;
typedef struct FunctionCallInfoBaseData* FunctionCallInfo;
typedef struct HeapTupleData* HeapTuple;
typedef struct TupleDescData* TupleDesc;
typedef struct SPITupleTable SPITupleTable;
typedef struct _SPI_plan* SPIPlanPtr;
}

namespace sora::pg {

// The types of statement parameters, as the server's type OIDs.
enum class Type : Oid {
  kInt8 = 20,
  kText = 25,
  kInt8Array = 1016,
  kTimestamptz = 1184,
  kInterval = 1186,
  kUuid = 2950
};

// A timestamptz: microseconds since 2000-01-01 00:00 UTC (the server's TimestampTz).
using Timestamp = std::int64_t;

}  // namespace sora::pg
