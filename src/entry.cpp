// The SQL-callable symbols and the background workers' main functions: thin extern "C"
// shims, each running its C++ implementation inside the error boundary (src/pg/guard.hpp).
#include "api/api.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "bgworker/expiry_worker.hpp"

extern "C" {

PG_MODULE_MAGIC;

void _PG_init(void);
void _PG_init(void) {
  sora::pg::define_settings();
  // The expiry worker exists only when the server preloads the library.
  if (process_shared_preload_libraries_in_progress) sora::bgworker::register_launcher();
}

#define SORA_ENTRY(name)                                                      \
  PG_FUNCTION_INFO_V1(sora_##name);                                           \
  Datum sora_##name(PG_FUNCTION_ARGS) {                                       \
    return sora::pg::boundary(fcinfo, &sora::api::name);                      \
  }

SORA_ENTRY(create_video_generation)
SORA_ENTRY(create_video_request)
SORA_ENTRY(refund_video_credits)
SORA_ENTRY(complete_video_generation)
SORA_ENTRY(claim_video_jobs)
SORA_ENTRY(soft_delete_video)
SORA_ENTRY(restore_video)
SORA_ENTRY(get_credit_info)
SORA_ENTRY(grant_credits)
SORA_ENTRY(handle_new_user)
SORA_ENTRY(expire_stale_videos)

// Looked up by name by the postmaster (bgw_function_name), hence exported.
PGDLLEXPORT void sora_expiry_launcher_main(Datum);
void sora_expiry_launcher_main(Datum) {
  sora::pg::at_boundary([] { sora::bgworker::launcher_main(); });
}

PGDLLEXPORT void sora_expiry_run_main(Datum database_oid);
void sora_expiry_run_main(Datum database_oid) {
  sora::pg::at_boundary([database_oid] { sora::bgworker::run_main(database_oid); });
}

}  // extern "C"
