#include "spi.hpp"

#include <stdexcept>
#include <utility>

#include "../core/messages.hpp"
#include "guard.hpp"
#include "postgres.hpp"
#include "values.hpp"

namespace sora::pg {

namespace {

// The schema the statements are bound to, by name: statement SQL can only name it. The
// name is read again from the catalog at every call and compared, never trusted from an
// earlier call: after a rename, the old name may belong to another schema, whose look-alike
// tables or views would otherwise run under the functions' rights.
std::string bound_schema_sql;  // the bound schema's name, quoted for SQL
Oid bound_schema_oid = InvalidOid;
unsigned bound_generation = 0;  // changes whenever bound_schema_sql does

}  // namespace

void bind_schema(Oid schema) {
  const char* quoted = guarded([&] {
    const char* name = get_namespace_name(schema);
    if (name == nullptr) elog(ERROR, "sora_credits: schema %u does not exist", schema);
    return quote_identifier(name);
  });
  bound_schema_oid = schema;
  if (bound_schema_sql == quoted) return;
  bound_schema_sql = quoted;
  ++bound_generation;
}

Param param(const TextArg& text) { return {text.datum, !text.view.has_value()}; }
Param param(const Uuid& uuid) { return {uuid_datum(uuid), false}; }
Param param(std::int64_t number) { return {Int64GetDatum(number), false}; }
Param param(const core::IntervalParts& interval) {
  return {guarded([&] { return interval_datum(interval); }), false};
}

Param param(std::string_view text) {
  Datum datum = guarded([&] {
    return PointerGetDatum(cstring_to_text_with_len(text.data(), static_cast<int>(text.size())));
  });
  return {datum, false};
}

Param param(const std::vector<std::int64_t>& numbers) {
  Datum array = guarded([&] {
    auto* elements = static_cast<Datum*>(palloc(sizeof(Datum) * (numbers.empty() ? 1 : numbers.size())));
    for (std::size_t i = 0; i < numbers.size(); ++i) elements[i] = Int64GetDatum(numbers[i]);
    return PointerGetDatum(construct_array(elements, static_cast<int>(numbers.size()), INT8OID,
                                           sizeof(std::int64_t), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
  });
  return {array, false};
}

Param timestamp_param(std::optional<Timestamp> value) {
  if (!value) return {Datum(0), true};
  return {TimestampTzGetDatum(*value), false};
}

bool bound_schema_has_table(const char* name) {
  Oid schema = bound_schema_oid;
  return guarded([&] { return OidIsValid(get_relname_relid(name, schema)); });
}

Timestamp transaction_start() { return GetCurrentTransactionStartTimestamp(); }

std::int64_t next_value(const char* sequence) {
  Oid schema = bound_schema_oid;
  return guarded([&] {
    Oid relation = get_relname_relid(sequence, schema);
    if (!OidIsValid(relation)) {
      ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                      errmsg("sora_credits: the sequence %s is missing", sequence)));
    }
    return DatumGetInt64(DirectFunctionCall1(nextval_oid, ObjectIdGetDatum(relation)));
  });
}

Uuid random_uuid() {
  Uuid uuid{};
  guarded([&] {
    if (!pg_strong_random(uuid.bytes.data(), uuid.bytes.size())) {
      ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate random values")));
    }
  });
  uuid.bytes[6] = static_cast<unsigned char>((uuid.bytes[6] & 0x0f) | 0x40);  // version 4
  uuid.bytes[8] = static_cast<unsigned char>((uuid.bytes[8] & 0x3f) | 0x80);  // RFC 4122
  return uuid;
}

void require_writable(const char* what) {
  guarded([&] { PreventCommandIfReadOnly(what); });
}

HeapTuple Result::tuple(std::uint64_t row) const { return table_->vals[row]; }
TupleDesc Result::desc() const { return table_->tupdesc; }

std::optional<Datum> Result::value(std::uint64_t row, const char* column, Oid type) const {
  if (row >= rows_) throw core::messages::row_missing();
  return column_value(tuple(row), desc(), core::messages::statement_result(), column, type);
}

Datum Result::required(std::uint64_t row, const char* column, Oid type) const {
  if (row >= rows_) throw core::messages::row_missing();
  return required_column_value(tuple(row), desc(), core::messages::statement_result(), column,
                               type);
}

std::int64_t Result::int64_at(std::uint64_t row, const char* column) const {
  return DatumGetInt64(required(row, column, INT8OID));
}

std::optional<std::int64_t> Result::optional_int64_at(std::uint64_t row, const char* column) const {
  std::optional<Datum> datum = value(row, column, INT8OID);
  if (!datum) return std::nullopt;
  return DatumGetInt64(*datum);
}

std::int32_t Result::int32_at(std::uint64_t row, const char* column) const {
  return DatumGetInt32(required(row, column, INT4OID));
}

bool Result::bool_at(std::uint64_t row, const char* column) const {
  return DatumGetBool(required(row, column, BOOLOID));
}

Oid Result::oid_at(std::uint64_t row, const char* column) const {
  return DatumGetObjectId(required(row, column, OIDOID));
}

Uuid Result::uuid_at(std::uint64_t row, const char* column) const {
  return uuid_value(required(row, column, UUIDOID));
}

std::string Result::text_at(std::uint64_t row, const char* column) const {
  return text_value(required(row, column, TEXTOID));
}

std::optional<std::string> Result::optional_text_at(std::uint64_t row, const char* column) const {
  std::optional<Datum> datum = value(row, column, TEXTOID);
  if (!datum) return std::nullopt;
  return text_value(*datum);
}

Timestamp Result::timestamp_at(std::uint64_t row, const char* column) const {
  return DatumGetTimestampTz(required(row, column, TIMESTAMPTZOID));
}

std::optional<Timestamp> Result::optional_timestamp_at(std::uint64_t row,
                                                       const char* column) const {
  std::optional<Datum> datum = value(row, column, TIMESTAMPTZOID);
  if (!datum) return std::nullopt;
  return DatumGetTimestampTz(*datum);
}

Statement::Statement(std::string sql, const std::vector<Type>& param_types)
    : sql_(std::move(sql)) {
  if (param_types.size() > kMaxParams) throw std::logic_error("sora_credits: too many params");
  for (Type type : param_types) types_[nparams_++] = static_cast<Oid>(type);
}

SPIPlanPtr Statement::plan() {
  if (plan_ != nullptr && generation_ == bound_generation) return plan_;
  std::string sql = sql_;
  static constexpr std::string_view kToken = "@extschema@";
  for (auto at = sql.find(kToken); at != std::string::npos; at = sql.find(kToken, at)) {
    sql.replace(at, kToken.size(), bound_schema_sql);
    at += bound_schema_sql.size();
  }
  guarded([&] {
    if (plan_ != nullptr) SPI_freeplan(plan_);
    plan_ = nullptr;
    SPIPlanPtr prepared = SPI_prepare(sql.c_str(), nparams_, types_.data());
    if (prepared == nullptr) {
      elog(ERROR, "sora_credits: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
    }
    SPI_keepplan(prepared);
    plan_ = prepared;
  });
  generation_ = bound_generation;
  return plan_;
}

Result Statement::run(std::initializer_list<Param> params, Access access) {
  if (static_cast<int>(params.size()) != nparams_) {
    throw std::logic_error("sora_credits: wrong number of statement parameters");
  }
  Datum values[kMaxParams];
  char nulls[kMaxParams];
  int i = 0;
  for (const Param& p : params) {
    values[i] = p.value;
    nulls[i] = p.is_null ? 'n' : ' ';
    ++i;
  }
  SPIPlanPtr prepared = plan();
  bool read_only = access == Access::kReadOnly;
  return guarded([&] {
    int rc = SPI_execute_plan(prepared, values, nulls, read_only, 0);
    if (rc < 0) elog(ERROR, "sora_credits: SPI_execute_plan failed: %s", SPI_result_code_string(rc));
    return Result(SPI_tuptable, SPI_processed);
  });
}

Oid function_schema(FunctionCallInfo fcinfo) {
  Oid function = fcinfo->flinfo->fn_oid;
  return guarded([&] { return get_func_namespace(function); });
}

void spi_begin(FunctionCallInfo fcinfo) {
  bind_schema(function_schema(fcinfo));
  spi_connect();
}

void spi_connect() {
  guarded([] {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "sora_credits: SPI_connect failed");
  });
}

void spi_end() {
  guarded([] {
    if (SPI_finish() != SPI_OK_FINISH) elog(ERROR, "sora_credits: SPI_finish failed");
  });
}

}  // namespace sora::pg
