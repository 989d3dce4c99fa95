// Background worker processes of this library: registering and starting them, their
// signals and waits, their connection and transaction. The server's side of src/bgworker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "types.hpp"

namespace sora::pg {

enum class LogLevel { kDebug1, kLog, kWarning };
// Writes a line to the server log.
void log_line(LogLevel level, const std::string& line);

// A worker whose main function is the exported symbol `function` of this library; `name`
// is also the process type that pg_stat_activity.backend_type and the server log show.
// Workers write, so they start once the server accepts writes (never on a standby).
struct WorkerSpec {
  const char* name;
  const char* function;
};

// From _PG_init while shared_preload_libraries is processed: the postmaster starts the
// worker, and again restart_seconds after it crashed.
void register_worker(const WorkerSpec& worker, int restart_seconds);

// Starts a worker connected to `database` (its main function receives the database's OID,
// and worker_flag() returns `flag` there), never restarted, and waits until it has exited.
// False when it could not start (every max_worker_processes slot is taken).
bool run_worker(const WorkerSpec& worker, Oid database, bool flag);

// In a worker registered by register_worker: SIGHUP asks for a reload, SIGTERM for the
// end; connects to no database (only shared catalogs can be read).
void start_without_database();
bool shutdown_requested();
// After a SIGHUP: re-reads the server's configuration and returns true (once per SIGHUP).
bool reloaded_configuration();
// Waits until a signal arrives or timeout_ms have passed (-1: no timeout); the process
// exits if the postmaster has died.
void wait_for_signal(std::int64_t timeout_ms);
// The OID of the database named, if there is one; reads the shared catalog pg_database in
// a transaction of its own.
std::optional<Oid> database_oid(const char* name);
[[noreturn]] void exit_cleanly();

// In a worker started by run_worker: SIGTERM ends it at the next interrupt check (its
// transaction rolled back). Connects to its database as the bootstrap superuser with
// search_path = pg_catalog, pg_temp, shows `activity` in pg_stat_activity and starts a
// transaction with a snapshot. Returns the database's name.
std::string begin_worker_transaction(Oid database, const char* activity);
bool worker_flag();
// Commits that transaction; pg_stat_activity then shows the worker idle.
void commit_worker_transaction();

}  // namespace sora::pg
