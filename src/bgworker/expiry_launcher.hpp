// The expiry background worker: with shared_preload_libraries = 'sora_credits', stale video
// jobs are refunded every sora_credits.expire_interval in each database listed in
// sora_credits.databases.
//
// Two kinds of process, because a PostgreSQL process connects to one database for life:
//  - the launcher (one, registered at server start; this file) connects to no database; on
//    its schedule it looks each listed database up in the shared catalog and, for each one
//    that exists, starts a run and waits for it to end;
//  - a run (one at a time; expiry_run.hpp) connects to one database, expires its stale jobs
//    in one transaction, logs what it did and exits. An error ends only that run: it is
//    logged, and the next interval starts a new one.
#pragma once

namespace sora::bgworker {

// From _PG_init while shared_preload_libraries is processed.
void register_launcher();

// The launcher's main function (called through the error boundary).
void launcher_main();

}  // namespace sora::bgworker
