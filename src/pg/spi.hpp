// SPI access for the API: statements prepared once per backend, typed parameters and results.
//
// Statement SQL names our own objects as @extschema@.table, like the install script; the
// schema is the one of the SQL function being called (by OID), its name read from the
// catalog at every call, so the extension works in any schema and plans are prepared again
// when it is dropped and created elsewhere or renamed in the same backend.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../core/intervals.hpp"
#include "../core/uuid.hpp"
#include "../core/validation.hpp"
#include "types.hpp"

namespace sora::pg {

struct Uuid {
  core::UuidBytes bytes;
  bool operator==(const Uuid& other) const { return bytes == other.bytes; }
  std::string text() const { return core::format_uuid(bytes); }
};

// A text argument of the SQL call: the view for the C++ rules, the datum to pass on.
struct TextArg {
  core::OptionalText view;
  Datum datum;
};

// One statement parameter.
struct Param {
  Datum value;
  bool is_null;
};
Param param(const TextArg& text);
Param param(const Uuid& uuid);
Param param(std::int64_t number);
Param param(std::string_view text);  // copies into a new text datum
Param param(const core::IntervalParts& interval);  // copies into a new interval datum
Param param(const std::vector<std::int64_t>& numbers);  // copies into a new bigint[] datum
// A timestamptz (Timestamp is an integer, so it has a name of its own); nullopt is NULL.
Param timestamp_param(std::optional<Timestamp> value);

class Result {
 public:
  Result() = default;
  Result(SPITupleTable* table, std::uint64_t rows) : table_(table), rows_(rows) {}
  std::uint64_t rows() const { return rows_; }
  // The column named (as the statement names it) of a row, read as the accessor's type. A
  // row past the end raises P0002, a column the statement does not return 42703, one of
  // another type 42804, and a NULL 23502: never a crash or a silent 0. The optional_
  // accessors, for the columns that may be NULL, read NULL as nullopt.
  std::int64_t int64_at(std::uint64_t row, const char* column) const;
  std::optional<std::int64_t> optional_int64_at(std::uint64_t row, const char* column) const;
  std::int32_t int32_at(std::uint64_t row, const char* column) const;
  bool bool_at(std::uint64_t row, const char* column) const;
  Oid oid_at(std::uint64_t row, const char* column) const;
  Uuid uuid_at(std::uint64_t row, const char* column) const;
  std::string text_at(std::uint64_t row, const char* column) const;
  std::optional<std::string> optional_text_at(std::uint64_t row, const char* column) const;
  Timestamp timestamp_at(std::uint64_t row, const char* column) const;
  std::optional<Timestamp> optional_timestamp_at(std::uint64_t row, const char* column) const;
  HeapTuple tuple(std::uint64_t row) const;
  TupleDesc desc() const;

 private:
  std::optional<Datum> value(std::uint64_t row, const char* column, Oid type) const;
  Datum required(std::uint64_t row, const char* column, Oid type) const;
  SPITupleTable* table_ = nullptr;
  std::uint64_t rows_ = 0;
};

enum class Access { kReadWrite, kReadOnly };

class Statement {
 public:
  static constexpr int kMaxParams = 13;
  Statement(std::string sql, const std::vector<Type>& param_types);
  Result run(std::initializer_list<Param> params, Access access = Access::kReadWrite);

 private:
  SPIPlanPtr plan();
  std::string sql_;
  int nparams_ = 0;
  std::array<Oid, kMaxParams> types_{};
  SPIPlanPtr plan_ = nullptr;
  unsigned generation_ = 0;  // the schema binding the plan was prepared for
};

// The schema of the function being called (for the extension's own functions, the
// extension's schema).
Oid function_schema(FunctionCallInfo fcinfo);

// Connects SPI for one call and binds the statements to the calling function's schema.
void spi_begin(FunctionCallInfo fcinfo);
void spi_end();

// For callers that are not SQL functions (the background worker): connect SPI, then bind
// the statements to the extension's schema once it is known.
void spi_connect();
void bind_schema(Oid schema);

// Whether the bound schema has a table of this name: the library also serves databases
// whose extension is still at an older version, which lack the newer tables.
bool bound_schema_has_table(const char* name);

// The start of the current transaction, which now() returns.
Timestamp transaction_start();

// The next value of a sequence of the bound schema (nextval(), without a statement).
std::int64_t next_value(const char* sequence);
// A new random (version 4) uuid, as gen_random_uuid() makes it.
Uuid random_uuid();

// 25006 ("cannot execute WHAT in a read-only transaction", as PostgreSQL words it) in a
// read-only transaction, such as PostgREST's for a GET: for a function that writes only
// when it finds something to write, so that it is refused there whatever it finds.
void require_writable(const char* what);

}  // namespace sora::pg
