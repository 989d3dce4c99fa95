// The SQL-callable functions, implemented in C++. Each is called only through
// pg::boundary (see src/entry.cpp), which turns C++ errors into SQL errors.
#pragma once

#include "../pg/types.hpp"

namespace sora::api {

// videos.cpp
Datum create_video_generation(FunctionCallInfo fcinfo);
Datum create_video_request(FunctionCallInfo fcinfo);
Datum refund_video_credits(FunctionCallInfo fcinfo);
Datum complete_video_generation(FunctionCallInfo fcinfo);
Datum claim_video_jobs(FunctionCallInfo fcinfo);
Datum soft_delete_video(FunctionCallInfo fcinfo);
Datum restore_video(FunctionCallInfo fcinfo);
Datum list_deleted_videos(FunctionCallInfo fcinfo);
// credits.cpp
Datum get_credit_info(FunctionCallInfo fcinfo);
Datum grant_credits(FunctionCallInfo fcinfo);
Datum list_credit_lots(FunctionCallInfo fcinfo);
// signup.cpp
Datum handle_new_user(FunctionCallInfo fcinfo);
// expire.cpp
Datum expire_stale_videos(FunctionCallInfo fcinfo);
Datum expire_credits(FunctionCallInfo fcinfo);
// guards.cpp: trigger functions of profiles, videos and credit_transactions
Datum refuse_direct_change(FunctionCallInfo fcinfo);
Datum guard_ledger(FunctionCallInfo fcinfo);
// guards.cpp: the event trigger at ddl_command_start
Datum guard_schema_drop(FunctionCallInfo fcinfo);

}  // namespace sora::api
