// A C++ exception thrown inside guarded server code (a bug, or std::bad_alloc) once reached
// the noexcept catch_pg_error and called std::terminate: the backend aborted, and the
// postmaster restarted every session with it. Now it is an ordinary error at the
// function's boundary: a domain error keeps its SQLSTATE, out of memory is 53200, any other
// exception XX000 (an internal error: a bug); the same backend goes on, and no other session
// notices. The thrower is the test-only module test/integration/probe/guard_probe.cpp,
// built from the extension's guard.cpp and loaded from SORA_GUARD_PROBE.
#include <gtest/gtest.h>

#include <cstdlib>

#include "support.hpp"

namespace itest {
namespace {

class GuardedCode : public testing::Test {
 protected:
  void SetUp() override {
    const char* module = std::getenv("SORA_GUARD_PROBE");
    ASSERT_NE(module, nullptr) << "SORA_GUARD_PROBE must name the guard_probe module";
    {
      pqxx::nontransaction tx(*other_);
      tx.exec("CREATE SCHEMA IF NOT EXISTS probe");
      tx.exec("CREATE OR REPLACE FUNCTION probe.throw_in_guarded(text) RETURNS integer AS " +
              tx.quote(module) + ", 'sora_probe_throw_in_guarded' LANGUAGE C STRICT");
    }
    pid_ = backend_pid(*session_);
    other_pid_ = backend_pid(*other_);
  }

  // The probe's outcome for one way of throwing: "ok" or the error's SQLSTATE and message.
  CallError call(const std::string& how) {
    try {
      pqxx::nontransaction tx(*session_);
      tx.exec_params1("SELECT probe.throw_in_guarded($1)", how);
    } catch (const pqxx::failure&) {
      return current_error(*session_);
    }
    return {"ok", ""};
  }

  void expect_error(const std::string& how, const std::string& code, const std::string& message) {
    CallError e = call(how);
    EXPECT_EQ(e.code, code) << e.message;
    EXPECT_NE(e.message.find(message), std::string::npos) << e.message;
    // The same backend, whole, and the other session never noticed.
    expect_backend_clean(*other_, *session_, pid_);
    {
      pqxx::nontransaction tx(*session_);
      EXPECT_EQ(tx.exec1("SELECT probe.throw_in_guarded('none')")[0].as<int>(), 7);
    }
    EXPECT_EQ(backend_pid(*other_), other_pid_) << "another session was restarted";
  }

  std::unique_ptr<pqxx::connection> session_ = connect(), other_ = connect();
  std::int64_t pid_ = 0, other_pid_ = 0;
};

TEST_F(GuardedCode, WithoutAnExceptionTheValueComesBack) {
  pqxx::nontransaction tx(*session_);
  EXPECT_EQ(tx.exec1("SELECT probe.throw_in_guarded('none')")[0].as<int>(), 7);
}

TEST_F(GuardedCode, ADomainErrorKeepsItsSqlstate) {
  expect_error("domain", "22023", "thrown inside guarded");
}

TEST_F(GuardedCode, NestedGuardsCarryItOutThroughServerCode) {
  expect_error("nested", "22023", "thrown inside guarded");
}

TEST_F(GuardedCode, OutOfMemoryIs53200) {
  expect_error("bad_alloc", "53200", "sora_credits: out of memory");
}

TEST_F(GuardedCode, AnyOtherExceptionIsAnInternalError) {
  expect_error("logic", "XX000", "sora_credits internal error: a bug inside guarded");
  expect_error("int", "XX000", "sora_credits internal error");
}

}  // namespace
}  // namespace itest
