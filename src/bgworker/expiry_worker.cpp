#include "expiry_worker.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../api/expire.hpp"
#include "../core/database_list.hpp"
#include "../core/messages.hpp"
#include "../pg/guard.hpp"
#include "../pg/settings.hpp"
#include "../pg/spi.hpp"

namespace sora::bgworker {

namespace {

namespace messages = core::messages;

constexpr const char* kLibrary = "sora_credits";
// The launcher is restarted after a crash; a run never is (the next interval starts another).
constexpr int kLauncherRestartSeconds = 10;
// Keeps "last run + interval" far from timestamp overflow; no one waits 100 years.
constexpr std::int64_t kLongestIntervalMs = 100LL * 365 * 24 * 60 * 60 * 1000;

void log_line(int level, const std::string& line) {
  pg::guarded([&] { ereport(level, (errmsg("%s", line.c_str()))); });
}

// name is also the type that pg_stat_activity.backend_type and the postmaster's log show.
BackgroundWorker worker_entry(const char* name, const char* function) {
  BackgroundWorker worker{};
  worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  // Expiry writes: not on a standby, only once the server accepts writes.
  worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
  std::snprintf(worker.bgw_name, BGW_MAXLEN, "%s", name);
  std::snprintf(worker.bgw_type, BGW_MAXLEN, "%s", name);
  std::snprintf(worker.bgw_library_name, BGW_MAXLEN, "%s", kLibrary);
  std::snprintf(worker.bgw_function_name, BGW_MAXLEN, "%s", function);
  return worker;
}

struct Schedule {
  std::int64_t interval_ms = 0;  // 0: off
  std::string interval_text;
  std::vector<std::string> databases;

  bool active() const { return interval_ms > 0 && !databases.empty(); }
  bool operator!=(const Schedule& other) const {
    return interval_ms != other.interval_ms || databases != other.databases;
  }
};

Schedule read_schedule() {
  Schedule schedule;
  schedule.interval_ms = std::min(pg::expire_interval_ms(), kLongestIntervalMs);
  schedule.interval_text = pg::expire_interval_text();
  schedule.databases = core::split_database_list(pg::expiry_databases());
  return schedule;
}

void announce(const Schedule& schedule) {
  log_line(LOG, schedule.active()
                    ? messages::expiry_schedule(schedule.interval_text,
                                                core::quoted_database_list(schedule.databases))
                    : messages::expiry_idle(schedule.interval_ms == 0));
}

// The database's oid, or InvalidOid. A sequential scan of pg_database: a process connected
// to no database can read that shared catalog, but not through its indexes.
Oid database_oid(const char* name) {
  Oid found = InvalidOid;
  Relation databases = table_open(DatabaseRelationId, AccessShareLock);
  TableScanDesc scan = table_beginscan_catalog(databases, 0, nullptr);
  for (HeapTuple tuple; (tuple = heap_getnext(scan, ForwardScanDirection)) != nullptr;) {
    auto* row = reinterpret_cast<Form_pg_database>(GETSTRUCT(tuple));
    if (std::strcmp(NameStr(row->datname), name) == 0) found = row->oid;
  }
  table_endscan(scan);
  table_close(databases, AccessShareLock);
  return found;
}

// One run in one database: started, then awaited, so runs never overlap. loud: report a
// skipped database at LOG (the first round after start or a changed schedule), else DEBUG1,
// so that a database left in the list does not fill the log every interval.
void run_in(const std::string& name, bool loud) {
  Oid database = pg::guarded([&] {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    Oid oid = database_oid(name.c_str());
    CommitTransactionCommand();
    return oid;
  });
  if (database == InvalidOid) {
    log_line(loud ? LOG : DEBUG1, messages::expiry_skipped_no_database(name));
    return;
  }
  BackgroundWorker run = worker_entry("sora_credits expiry run", "sora_expiry_run_main");
  run.bgw_restart_time = BGW_NEVER_RESTART;
  run.bgw_main_arg = ObjectIdGetDatum(database);
  run.bgw_extra[0] = loud ? 1 : 0;
  run.bgw_notify_pid = MyProcPid;
  BackgroundWorkerHandle* handle = nullptr;
  if (!pg::guarded([&] { return RegisterDynamicBackgroundWorker(&run, &handle); })) {
    log_line(WARNING, messages::expiry_not_started(name));
    return;
  }
  pg::guarded([&] { WaitForBackgroundWorkerShutdown(handle); });
}

}  // namespace

void register_launcher() {
  BackgroundWorker launcher = worker_entry("sora_credits expiry launcher",
                                           "sora_expiry_launcher_main");
  launcher.bgw_restart_time = kLauncherRestartSeconds;
  RegisterBackgroundWorker(&launcher);
}

void launcher_main() {
  pg::guarded([] {
    // SIGTERM (server shutdown): finish the run in hand, then exit 0, which also tells the
    // postmaster not to restart the launcher. SIGHUP: re-read the settings.
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
    BackgroundWorkerUnblockSignals();
    // No database: only the shared catalog pg_database is read.
    BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);
  });
  Schedule schedule = read_schedule();
  announce(schedule);
  bool loud = true;
  TimestampTz last_round = GetCurrentTimestamp();
  while (!ShutdownRequestPending) {
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      pg::guarded([] { ProcessConfigFile(PGC_SIGHUP); });
      Schedule next = read_schedule();
      if (next != schedule) {
        schedule = next;
        announce(schedule);
        loud = true;
      }
    }
    long wait_ms = -1;  // no timeout: only a signal wakes the launcher
    if (schedule.active()) {
      TimestampTz due = TimestampTzPlusMilliseconds(last_round, schedule.interval_ms);
      wait_ms = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), due);
      if (wait_ms <= 0) {
        for (const std::string& name : schedule.databases) {
          if (ShutdownRequestPending) break;
          run_in(name, loud);
        }
        loud = false;
        last_round = GetCurrentTimestamp();
        continue;
      }
    }
    pg::guarded([&] {
      int events = WL_LATCH_SET | WL_EXIT_ON_PM_DEATH | (wait_ms >= 0 ? WL_TIMEOUT : 0);
      WaitLatch(MyLatch, events, wait_ms, PG_WAIT_EXTENSION);
      ResetLatch(MyLatch);
      CHECK_FOR_INTERRUPTS();
    });
  }
  log_line(LOG, messages::expiry_stopping());
  pg::guarded([] { proc_exit(0); });
}

void run_main(Datum database_oid) {
  static pg::Statement installed(
      "SELECT e.extnamespace, e.extversion FROM pg_catalog.pg_extension e "
      "WHERE e.extname = 'sora_credits'",
      {});
  bool loud = MyBgworkerEntry->bgw_extra[0] != 0;
  pg::guarded([&] {
    // die: SIGTERM ends the run at the next interrupt check, its transaction rolled back.
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(database_oid), InvalidOid, 0);
    // The run is a superuser: nothing on a user-writable search_path may stand in for the
    // built-ins its statements call.
    SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
    pgstat_report_activity(STATE_RUNNING, "sora_credits: expiring stale video jobs");
    // now() is the transaction start, taken from the statement start.
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    PushActiveSnapshot(GetTransactionSnapshot());
  });
  std::string database = pg::guarded([] { return get_database_name(MyDatabaseId); });
  pg::spi_connect();
  pg::Result extension = installed.run({}, pg::Access::kReadOnly);
  int level = loud ? LOG : DEBUG1;
  std::string line;
  if (extension.rows() == 0) {
    line = messages::expiry_skipped_no_extension(database);
  } else if (std::string version = extension.text_at(0, 2); version == "1.0") {
    line = messages::expiry_skipped_old_version(database, version);
  } else {
    pg::bind_schema(extension.oid_at(0, 1));
    api::Expiry expiry = api::expire_stale(pg::job_timeout());
    line = messages::expiry_done(database, expiry.expired, expiry.credits_refunded,
                                 pg::job_timeout_text());
    level = expiry.expired > 0 ? LOG : DEBUG1;
  }
  pg::spi_end();
  pg::guarded([] {
    PopActiveSnapshot();
    CommitTransactionCommand();
    pgstat_report_activity(STATE_IDLE, nullptr);
  });
  // After the commit: the line reports only what is done.
  log_line(level, line);
}

}  // namespace sora::bgworker
