// The SQL-callable symbols and the background workers' main functions: thin extern "C"
// shims, each running its C++ implementation inside the error boundary (src/pg/guard.hpp).
#include "api/api.hpp"
#include "pg/guard.hpp"
#include "pg/postgres.hpp"
#include "pg/settings.hpp"
#include "bgworker/expiry_launcher.hpp"
#include "bgworker/expiry_run.hpp"

extern "C" {

PG_MODULE_MAGIC;

void _PG_init(void);
void _PG_init(void) {
  sora::pg::define_settings();
  // The expiry worker exists only when the server preloads the library.
  if (process_shared_preload_libraries_in_progress) sora::bgworker::register_launcher();
}

// SORA_ENTRY(symbol, implementation): the symbol is spelled out, as the install scripts
// name it (AS 'MODULE_PATHNAME', 'symbol'), so either can be found from the other by grep.
#define SORA_ENTRY(symbol, implementation)                                    \
  PG_FUNCTION_INFO_V1(symbol);                                                \
  Datum symbol(PG_FUNCTION_ARGS) { return sora::pg::boundary(fcinfo, &implementation); }

SORA_ENTRY(sora_create_video_generation, sora::api::create_video_generation)
SORA_ENTRY(sora_create_video_request, sora::api::create_video_request)
SORA_ENTRY(sora_refund_video_credits, sora::api::refund_video_credits)
SORA_ENTRY(sora_complete_video_generation, sora::api::complete_video_generation)
SORA_ENTRY(sora_claim_video_jobs, sora::api::claim_video_jobs)
SORA_ENTRY(sora_soft_delete_video, sora::api::soft_delete_video)
SORA_ENTRY(sora_restore_video, sora::api::restore_video)
SORA_ENTRY(sora_list_deleted_videos, sora::api::list_deleted_videos)
SORA_ENTRY(sora_get_credit_info, sora::api::get_credit_info)
SORA_ENTRY(sora_grant_credits, sora::api::grant_credits)
SORA_ENTRY(sora_list_credit_lots, sora::api::list_credit_lots)
SORA_ENTRY(sora_handle_new_user, sora::api::handle_new_user)
SORA_ENTRY(sora_expire_stale_videos, sora::api::expire_stale_videos)
SORA_ENTRY(sora_expire_credits, sora::api::expire_credits)
SORA_ENTRY(sora_refuse_direct_change, sora::api::refuse_direct_change)
SORA_ENTRY(sora_guard_ledger, sora::api::guard_ledger)
SORA_ENTRY(sora_guard_schema_drop, sora::api::guard_schema_drop)

// Looked up by name by the postmaster (bgw_function_name), hence exported.
PGDLLEXPORT void sora_expiry_launcher_main(Datum);
void sora_expiry_launcher_main(Datum) {
  sora::pg::at_boundary([] { sora::bgworker::launcher_main(); });
}

PGDLLEXPORT void sora_expiry_run_main(Datum database_oid);
void sora_expiry_run_main(Datum database_oid) {
  sora::pg::at_boundary(
      [database_oid] { sora::bgworker::run_main(DatumGetObjectId(database_oid)); });
}

}  // extern "C"
