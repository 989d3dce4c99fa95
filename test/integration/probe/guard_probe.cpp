// A test-only server module, built by CMake for the integration suite and never installed
// with the extension (so nothing here is reachable from SQL in production): one function
// that throws a C++ exception inside pg::guarded, as a bug in server-side C++ would, in the
// ways guard_test.cpp names. It is built from the extension's own guard.cpp.
#include <new>
#include <stdexcept>
#include <string>

#include "core/error.hpp"
#include "pg/guard.hpp"
#include "pg/postgres.hpp"

namespace {

using sora::pg::guarded;

[[noreturn]] void throw_case(const std::string& name) {
  if (name == "domain") throw sora::core::Error("22023", "thrown inside guarded", "a detail");
  if (name == "bad_alloc") throw std::bad_alloc();
  if (name == "logic") throw std::logic_error("a bug inside guarded");
  throw 42;  // not even a std::exception
}

Datum probe(FunctionCallInfo fcinfo) {
  const char* chars = guarded([&] { return text_to_cstring(PG_GETARG_TEXT_PP(0)); });
  std::string name = chars;
  if (name == "none") return Int32GetDatum(guarded([] { return 7; }));
  if (name == "nested") {
    // Out of an inner guarded, through the server code of an outer one.
    guarded([&] {
      void* memory = palloc(16);
      guarded([] { throw_case("domain"); });
      pfree(memory);
    });
  }
  // A value-returning guarded, after a server call inside it.
  return Int32GetDatum(guarded([&]() -> int {
    pfree(palloc(16));
    throw_case(name);
  }));
}

}  // namespace

extern "C" {

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(sora_probe_throw_in_guarded);
Datum sora_probe_throw_in_guarded(PG_FUNCTION_ARGS) { return sora::pg::boundary(fcinfo, &probe); }

}  // extern "C"
