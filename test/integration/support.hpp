// Shared by the integration tests: connections to the cluster that run.sh starts (libpq
// finds it through PGHOST/PGPORT/PGUSER/PGDATABASE), calling the API as PostgREST does,
// the SQLSTATE of a failed call, and the ledger invariants checked after every run.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace itest {

// A superuser connection to the test database, with "act" and one statement per API
// function prepared: each is a real call of the function and returns the result keys the
// tests look at as columns.
std::unique_ptr<pqxx::connection> connect();

// Who makes a call: a signed-in user (role authenticated, JWT sub) or the backend with
// the service role key (role service_role, no sub).
struct Caller {
  std::string role;
  std::string sub;
};
Caller user(const std::string& id);
Caller service();

// What PostgREST does at the start of each request: role and JWT claims, both local to
// the transaction.
void act_as(pqxx::transaction_base& tx, const Caller& who);
std::string claims_json(const Caller& who);

// A new auth.users row (the extension's trigger creates its profile) given `credits`
// through grant_credits. Returns its id.
std::string create_user(pqxx::connection& admin, std::int64_t credits);

// A failed call: its SQLSTATE and message. Errors that libpqxx reports without a SQLSTATE
// get a name: "connection_lost" (the server went away) and "in_doubt" (lost during
// COMMIT: committed or not, nobody knows).
struct CallError {
  std::string code;
  std::string message;
};
// Inside a catch block: the libpqxx error being handled, on connection `conn`.
CallError current_error(const pqxx::connection& conn);

// True for the codes a server crash produces: the call's outcome is unknown.
bool is_crash_code(const std::string& code);

// The process id of the backend serving `conn`.
std::int64_t backend_pid(pqxx::connection& conn);

// After a failed call on a session whose backend was `pid` (seen from `admin`): the same
// backend serves it, holds no lock, is idle (no transaction left open) and has no SPI state
// left. One gtest failure per broken promise.
void expect_backend_clean(pqxx::connection& admin, pqxx::connection& session, std::int64_t pid);

// The seed of this run: SORA_SEED when set (to replay a run), otherwise a fresh one.
// Printed by each test that uses it.
std::uint64_t seed();

bool in_ci();

// Runs `command` with bash (the environment, exported functions included, is inherited).
// True when it exits with 0; otherwise a test failure naming the command.
bool run_shell(const std::string& command);

// Every ledger invariant the extension promises, checked over all accounts. Each failed
// check is one gtest failure naming it and showing a few offending rows.
void expect_ledger_invariants(pqxx::connection& conn);

// Credit lots (1.2), once the load has stopped: one more expire_credits() (nothing holds a
// profile now, so it skips nobody) must leave no lot past its expiry with credits in it,
// seen at the sweep's own moment. Prints what the lots went through: `out` gets a line.
void expect_final_sweep_leaves_nothing_due(pqxx::connection& conn, std::ostream& out);

// A ledger entry whose commit a client saw acknowledged: it must exist afterwards.
struct AckedEntry {
  std::int64_t transaction_id;
  std::string kind;
  std::string user_id;
  std::string video_id;  // empty for grants
  std::int64_t amount;
};
// A video status that a client saw committed and that is final (completed or failed).
struct AckedStatus {
  std::string video_id;
  std::string status;
};
// Fails the test for every acknowledged entry or final status that the database lacks.
void expect_acknowledged(pqxx::connection& conn, const std::vector<AckedEntry>& entries,
                         const std::vector<AckedStatus>& statuses);

}  // namespace itest
