// The SQL-callable symbols: thin extern "C" shims, each running its C++ implementation
// inside the error boundary (src/pg/guard.hpp).
#include "api/api.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"

extern "C" {

PG_MODULE_MAGIC;

void _PG_init(void);
void _PG_init(void) { sora::pg::define_settings(); }

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

}  // extern "C"
