// The expiry background worker: with shared_preload_libraries = 'sora_credits', stale video
// jobs are refunded every sora_credits.expire_interval in each database listed in
// sora_credits.databases.
//
// Two kinds of process, because a PostgreSQL process connects to one database for life:
//  - the launcher (one, registered at server start) connects to no database; on its
//    schedule it looks each listed database up in the shared catalog and, for each one that
//    exists, starts a run and waits for it to end;
//  - a run (one at a time) connects to one database, expires its stale jobs in one
//    transaction, logs what it did and exits. An error ends only that run: it is logged,
//    and the next interval starts a new one.
//
// Authorisation: a run connects as the bootstrap superuser and calls the C++ expiry routine
// directly (api::expire_stale), the one expire_stale_videos() calls; it never goes through
// the SQL function and never fakes JWT claims. Like every service function, that routine
// relies on who may call it, not on auth.role(), and the worker is the server itself.
#pragma once

#include "../pg/postgres.hpp"

namespace sora::bgworker {

// From _PG_init while shared_preload_libraries is processed.
void register_launcher();

// The main functions of the two processes (called through the error boundary).
void launcher_main();
void run_main(Datum database_oid);

}  // namespace sora::bgworker
