// Background worker processes: the server calls behind background.hpp.
#include "background.hpp"

#include <cstring>

#include "guard.hpp"
#include "postgres.hpp"

namespace sora::pg {

namespace {

constexpr const char* kLibrary = "sora_credits";

BackgroundWorker worker_entry(const WorkerSpec& spec) {
  BackgroundWorker worker{};
  worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
  strlcpy(worker.bgw_name, spec.name, BGW_MAXLEN);
  strlcpy(worker.bgw_type, spec.name, BGW_MAXLEN);
  strlcpy(worker.bgw_library_name, kLibrary, BGW_MAXLEN);
  strlcpy(worker.bgw_function_name, spec.function, BGW_MAXLEN);
  return worker;
}

int server_level(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug1: return DEBUG1;
    case LogLevel::kLog: return LOG;
    case LogLevel::kWarning: return WARNING;
  }
  return LOG;
}

}  // namespace

void log_line(LogLevel level, const std::string& line) {
  int server = server_level(level);
  const char* text = line.c_str();
  guarded([&] { ereport(server, (errmsg("%s", text))); });
}

void register_worker(const WorkerSpec& worker, int restart_seconds) {
  BackgroundWorker entry = worker_entry(worker);
  entry.bgw_restart_time = restart_seconds;
  // Not guarded: _PG_init runs outside any error boundary, so a server error here must
  // stay one (nothing in these frames has a destructor).
  RegisterBackgroundWorker(&entry);
}

bool run_worker(const WorkerSpec& worker, Oid database, bool flag) {
  BackgroundWorker entry = worker_entry(worker);
  entry.bgw_restart_time = BGW_NEVER_RESTART;
  entry.bgw_main_arg = ObjectIdGetDatum(database);
  entry.bgw_extra[0] = flag ? 1 : 0;
  entry.bgw_notify_pid = MyProcPid;
  return guarded([&] {
    BackgroundWorkerHandle* handle = nullptr;
    if (!RegisterDynamicBackgroundWorker(&entry, &handle)) return false;
    WaitForBackgroundWorkerShutdown(handle);
    return true;
  });
}

void start_without_database() {
  guarded([] {
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);
  });
}

bool shutdown_requested() { return ShutdownRequestPending; }

bool reloaded_configuration() {
  if (!ConfigReloadPending) return false;
  ConfigReloadPending = false;
  guarded([] { ProcessConfigFile(PGC_SIGHUP); });
  return true;
}

void wait_for_signal(std::int64_t timeout_ms) {
  guarded([&] {
    int events = WL_LATCH_SET | WL_EXIT_ON_PM_DEATH | (timeout_ms >= 0 ? WL_TIMEOUT : 0);
    WaitLatch(MyLatch, events, static_cast<long>(timeout_ms), PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
    CHECK_FOR_INTERRUPTS();
  });
}

std::optional<Oid> database_oid(const char* name) {
  // A sequential scan: a process connected to no database can read the shared catalog
  // pg_database, but not through its indexes.
  Oid database = guarded([&] {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    Oid found = InvalidOid;
    Relation databases = table_open(DatabaseRelationId, AccessShareLock);
    TableScanDesc scan = table_beginscan_catalog(databases, 0, nullptr);
    for (HeapTuple tuple; (tuple = heap_getnext(scan, ForwardScanDirection)) != nullptr;) {
      auto* row = reinterpret_cast<Form_pg_database>(GETSTRUCT(tuple));
      if (std::strcmp(NameStr(row->datname), name) == 0) found = row->oid;
    }
    table_endscan(scan);
    table_close(databases, AccessShareLock);
    CommitTransactionCommand();
    return found;
  });
  if (database == InvalidOid) return std::nullopt;
  return database;
}

void exit_cleanly() {
  guarded([] { proc_exit(0); });
  pg_unreachable();
}

std::string begin_worker_transaction(Oid database, const char* activity) {
  const char* name = guarded([&] {
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnectionByOid(database, InvalidOid, 0);
    // The worker is a superuser: nothing on a user-writable search_path may stand in for
    // the built-ins its statements call.
    SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
    pgstat_report_activity(STATE_RUNNING, activity);
    // now() is the transaction start, taken from the statement start.
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    PushActiveSnapshot(GetTransactionSnapshot());
    return get_database_name(MyDatabaseId);
  });
  return name;
}

bool worker_flag() { return MyBgworkerEntry->bgw_extra[0] != 0; }

void commit_worker_transaction() {
  guarded([] {
    PopActiveSnapshot();
    CommitTransactionCommand();
    pgstat_report_activity(STATE_IDLE, nullptr);
  });
}

}  // namespace sora::pg
