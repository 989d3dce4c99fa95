// A run of the expiry background worker (see expiry_launcher.hpp): one process connected to
// one database, which refunds its stale jobs in one transaction, logs what it did and exits.
//
// Authorisation: a run connects as the bootstrap superuser and calls the C++ expiry routine
// directly (api::expire_stale), the one expire_stale_videos() calls; it never goes through
// the SQL function and never fakes JWT claims. Like every service function, that routine
// relies on who may call it, not on auth.role(), and the worker is the server itself.
#pragma once

#include "../pg/types.hpp"

namespace sora::bgworker {

// The run's main function (called through the error boundary).
void run_main(Oid database);

}  // namespace sora::bgworker
