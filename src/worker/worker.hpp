// The worker's event loop: claims jobs, runs a generator per job (up to --batch at a time),
// reports each outcome, reconnects with backoff, and stops cleanly on SIGTERM/SIGINT.
#pragma once

#include "options.hpp"

namespace sora::worker {

// Returns the process exit status: 0 when done (--once, or stopped by a signal with every
// job reported), 1 on an error (no first connection, a refused claim, jobs left unreported).
int run_worker(const Options& options);

}  // namespace sora::worker
