// The C++/PostgreSQL error boundary.
//
// PostgreSQL reports errors with siglongjmp, which skips C++ destructors; a C++ exception
// must never unwind through a server frame. Two tools keep the two worlds apart:
//  - guarded(fn) runs server code that may ereport; an ERROR becomes a PgError exception
//    carrying the copied ErrorData (SQLSTATE, message, DETAIL, HINT, context intact), and a
//    C++ exception fn throws comes out as itself. fn itself must hold no object with a
//    destructor across its server calls.
//  - boundary(fcinfo, impl) is the one try/catch of each SQL-callable function (and
//    at_boundary(fn) that of each background worker's main function). After the catch has
//    ended it re-raises a PgError unchanged, or raises a core::Error with its own SQLSTATE,
//    DETAIL and HINT; anything else becomes XX000.
#pragma once

#include <exception>
#include <type_traits>

#include "postgres.hpp"

namespace sora::pg {

class PgError : public std::exception {
 public:
  explicit PgError(ErrorData* data) : data_(data) {}
  ErrorData* data() const noexcept { return data_; }
  const char* what() const noexcept override { return data_->message; }

 private:
  ErrorData* data_;
};

// Runs call(arg) under PG_TRY; returns the copied error, or nullptr when none was raised.
// call must not throw: no C++ exception may unwind through PG_TRY's frame.
ErrorData* catch_pg_error(void (*call)(void*) noexcept, void* arg) noexcept;

// A C++ exception that fn throws (a bug, or out of memory) is caught inside the PG_TRY'd
// call, carried out of it, and thrown again here: an ordinary error at the boundary, never
// std::terminate (which would take the whole server down with the backend).
template <typename Fn>
auto guarded(Fn&& fn) -> decltype(fn()) {
  using Result = decltype(fn());
  static_assert(std::is_void_v<Result> || std::is_trivially_copyable_v<Result>,
                "guarded() returns plain values only");
  struct Frame {
    Fn* fn;
    std::conditional_t<std::is_void_v<Result>, bool, Result> result;
    std::exception_ptr thrown;
  } frame{&fn, {}, nullptr};
  auto call = [](void* f) noexcept {
    auto* fr = static_cast<Frame*>(f);
    try {
      if constexpr (std::is_void_v<Result>) {
        (*fr->fn)();
      } else {
        fr->result = (*fr->fn)();
      }
    } catch (...) {
      fr->thrown = std::current_exception();
    }
  };
  if (ErrorData* error = catch_pg_error(call, &frame)) throw PgError(error);
  if (frame.thrown) std::rethrow_exception(frame.thrown);
  if constexpr (!std::is_void_v<Result>) return frame.result;
}

// Runs call(arg); any C++ exception it throws is raised as a PostgreSQL error.
void at_boundary(void (*call)(void*), void* arg) noexcept;

template <typename Fn>
void at_boundary(Fn&& fn) noexcept {
  at_boundary([](void* f) { (*static_cast<Fn*>(f))(); }, &fn);
}

using Impl = Datum (*)(FunctionCallInfo);

Datum boundary(FunctionCallInfo fcinfo, Impl impl) noexcept;

}  // namespace sora::pg
